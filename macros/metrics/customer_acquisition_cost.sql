{#- CAC = acquisition spend / acquired customers; null without customers. -#}
{% macro customer_acquisition_cost(acquisition_spend, acquired_customers) -%}
    {{ retention.safe_divide(acquisition_spend, acquired_customers) }}
{%- endmacro %}
