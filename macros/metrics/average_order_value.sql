{#- AOV = revenue / orders. -#}
{% macro average_order_value(revenue, orders) -%}
    {{ retention.safe_divide(revenue, orders) }}
{%- endmacro %}
