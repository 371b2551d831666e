{#- GRR = (start - contraction - churned) / start. -#}
{% macro gross_revenue_retention(mrr_at_start, contraction_mrr, churned_mrr) -%}
    {{ retention.safe_divide('(' ~ mrr_at_start ~ ' - ' ~ contraction_mrr ~ ' - ' ~ churned_mrr ~ ')', mrr_at_start) }}
{%- endmacro %}
