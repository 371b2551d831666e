{% macro projection_periods() %}
    {#- var projection_periods: how many periods past each cohort's last complete
        period fct_retention_projection projects (default 12). The Python mart
        reads it through its config; int_cohort_survivors_counted calls this
        so a mistake fails at compile time. -#}
    {%- set periods = var('projection_periods', 12) -%}
    {%- if not retention.is_finite_number(periods) or periods != (periods | int) or periods < 0 or periods > 120 -%}
        {{ exceptions.raise_compiler_error("var projection_periods must be a whole number of periods from 0 to 120 (how many periods past each cohort's last complete period fct_retention_projection projects; default 12), e.g. 12; got '" ~ periods ~ "'.") }}
    {%- endif -%}
    {{ return(periods | int) }}
{% endmacro %}
