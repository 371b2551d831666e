{#- 95 % margin of error of the NPS = 1.96 x 100 x sqrt((p + d - (p - d)^2) / n), p and d the promoter and detractor shares, n the responses; null without responses. -#}
{% macro net_promoter_score_margin_of_error(promoters, detractors, responses) -%}
    {%- set p = retention.safe_divide(promoters, responses) -%}
    {%- set d = retention.safe_divide(detractors, responses) -%}
    {#- p + d - (p - d)^2 is the variance of a +1/0/-1 score, never negative in
        exact arithmetic; greatest() keeps a rounding error below zero out of sqrt -#}
    (1.96 * 100 * sqrt(
        greatest({{ p }} + {{ d }} - ({{ p }} - {{ d }}) * ({{ p }} - {{ d }}), 0)
        / nullif(cast({{ responses }} as {{ retention.type_ratio() }}), 0)
    ))
{%- endmacro %}
