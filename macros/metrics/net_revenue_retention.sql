{#- NRR = (start + expansion - contraction - churned) / start. -#}
{% macro net_revenue_retention(mrr_at_start, expansion_mrr, contraction_mrr, churned_mrr) -%}
    {{ retention.safe_divide('(' ~ mrr_at_start ~ ' + ' ~ expansion_mrr ~ ' - ' ~ contraction_mrr ~ ' - ' ~ churned_mrr ~ ')', mrr_at_start) }}
{%- endmacro %}
