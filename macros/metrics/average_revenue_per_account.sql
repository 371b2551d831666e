{#- ARPA = mrr_at_end / customers_at_end (subscriptions basis). -#}
{% macro average_revenue_per_account(mrr_at_end, customers_at_end) -%}
    {{ retention.safe_divide(mrr_at_end, customers_at_end) }}
{%- endmacro %}
