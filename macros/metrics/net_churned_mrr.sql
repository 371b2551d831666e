{#- Net churned MRR = churned + contraction - expansion (negative means net negative churn). -#}
{% macro net_churned_mrr(churned_mrr, contraction_mrr, expansion_mrr) %}
    {{ return(adapter.dispatch('net_churned_mrr', 'retention')(churned_mrr, contraction_mrr, expansion_mrr)) }}
{% endmacro %}

{% macro default__net_churned_mrr(churned_mrr, contraction_mrr, expansion_mrr) -%}
    ({{ churned_mrr }} + {{ contraction_mrr }} - {{ expansion_mrr }})
{%- endmacro %}
