{#- Retained customer rate = retained / S: the share of the customers at the start still there at the end, in [0, 1]. -#}
{% macro retained_customer_rate(retained_customers, customers_at_start) -%}
    {{ retention.safe_divide(retained_customers, customers_at_start) }}
{%- endmacro %}
