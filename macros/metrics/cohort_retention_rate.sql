{#- Cohort retention rate = cohort customers active in a period / cohort size. -#}
{% macro cohort_retention_rate(active_customers, cohort_customers) -%}
    {{ retention.safe_divide(active_customers, cohort_customers) }}
{%- endmacro %}
