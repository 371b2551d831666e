{#- CRR = (E - N) / S. -#}
{% macro customer_retention_rate(customers_at_start, customers_at_end, new_customers) -%}
    {{ retention.safe_divide('(' ~ customers_at_end ~ ' - ' ~ new_customers ~ ')', customers_at_start) }}
{%- endmacro %}
