{#- ARR = 12 x MRR at the end of the period: money, exact. -#}
{% macro annual_run_rate(mrr_at_end) -%}
    (12 * {{ mrr_at_end }})
{%- endmacro %}
