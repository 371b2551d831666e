{#- Purchase frequency = orders / ordering customers. -#}
{% macro purchase_frequency(orders, customers) -%}
    {{ retention.safe_divide(orders, customers) }}
{%- endmacro %}
