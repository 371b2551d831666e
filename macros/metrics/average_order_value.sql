{#- AOV = revenue / orders. -#}
{% macro average_order_value(revenue, orders) %}
    {{ return(adapter.dispatch('average_order_value', 'retention')(revenue, orders)) }}
{% endmacro %}

{% macro default__average_order_value(revenue, orders) -%}
    {{ retention.safe_divide(revenue, orders) }}
{%- endmacro %}
