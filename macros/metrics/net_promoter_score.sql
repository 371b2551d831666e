{#- Net Promoter Score = 100 x (promoters - detractors) / responses, from -100 to 100, not rounded; null without responses. -#}
{% macro net_promoter_score(promoters, detractors, responses) -%}
    (100 * {{ retention.safe_divide('(' ~ promoters ~ ') - (' ~ detractors ~ ')', responses) }})
{%- endmacro %}
