{#- Repeat customer rate = customers with two or more orders / ordering customers. -#}
{% macro repeat_customer_rate(repeat_customers, customers) -%}
    {{ retention.safe_divide(repeat_customers, customers) }}
{%- endmacro %}
