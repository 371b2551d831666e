{#- Net churned MRR = churned + contraction - expansion (negative means net negative churn). -#}
{% macro net_churned_mrr(churned_mrr, contraction_mrr, expansion_mrr) -%}
    ({{ churned_mrr }} + {{ contraction_mrr }} - {{ expansion_mrr }})
{%- endmacro %}
