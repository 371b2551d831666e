{#- Repeat customer rate = customers with two or more orders / ordering customers. -#}
{% macro repeat_customer_rate(repeat_customers, customers) %}
    {{ return(adapter.dispatch('repeat_customer_rate', 'retention')(repeat_customers, customers)) }}
{% endmacro %}

{% macro default__repeat_customer_rate(repeat_customers, customers) -%}
    {{ retention.safe_divide(repeat_customers, customers) }}
{%- endmacro %}
