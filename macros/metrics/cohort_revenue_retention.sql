{#- Revenue retention of a fixed cohort: its MRR now over its MRR then (NRR over twelve months). -#}
{% macro cohort_revenue_retention(mrr_now, mrr_then) -%}
    {{ retention.safe_divide(mrr_now, mrr_then) }}
{%- endmacro %}
