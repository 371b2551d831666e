{#- Purchase frequency = orders / ordering customers. -#}
{% macro purchase_frequency(orders, customers) %}
    {{ return(adapter.dispatch('purchase_frequency', 'retention')(orders, customers)) }}
{% endmacro %}

{% macro default__purchase_frequency(orders, customers) -%}
    {{ retention.safe_divide(orders, customers) }}
{%- endmacro %}
