{#- ARR = 12 x MRR at the end of the period: money, exact (the money type, so
    no engine widens or narrows its scale). -#}
{% macro annual_run_rate(mrr_at_end) -%}
    cast(12 * {{ mrr_at_end }} as {{ retention.type_money() }})
{%- endmacro %}
