{#- Revenue churn rate = lost MRR / MRR at start; gross with churned + contraction, net with net churned MRR. -#}
{% macro revenue_churn_rate(lost_mrr, mrr_at_start) -%}
    {{ retention.safe_divide(lost_mrr, mrr_at_start) }}
{%- endmacro %}
