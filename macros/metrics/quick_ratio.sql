{#- Quick ratio = (new + expansion + reactivation) / (churned + contraction). -#}
{% macro quick_ratio(new_mrr, expansion_mrr, reactivation_mrr, churned_mrr, contraction_mrr) -%}
    {{ retention.safe_divide('(' ~ new_mrr ~ ' + ' ~ expansion_mrr ~ ' + ' ~ reactivation_mrr ~ ')', '(' ~ churned_mrr ~ ' + ' ~ contraction_mrr ~ ')') }}
{%- endmacro %}
