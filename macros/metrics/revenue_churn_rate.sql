{#- Revenue churn rate = lost MRR / MRR at start; gross with churned + contraction, net with net churned MRR. -#}
{% macro revenue_churn_rate(lost_mrr, mrr_at_start) %}
    {{ return(adapter.dispatch('revenue_churn_rate', 'retention')(lost_mrr, mrr_at_start)) }}
{% endmacro %}

{% macro default__revenue_churn_rate(lost_mrr, mrr_at_start) -%}
    {{ retention.safe_divide(lost_mrr, mrr_at_start) }}
{%- endmacro %}
