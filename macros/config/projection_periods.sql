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


{% macro projection_min_segment_customers() %}
    {#- var projection_min_segment_customers: how many customers a segment's
        cohorts must hold (in cohorts observed at least one period past their
        first) before fct_retention_projection_by_segment fits it (default
        100: the share who leave after the first period is then known to
        within about 5 points, one standard error). -#}
    {%- set customers = var('projection_min_segment_customers', 100) -%}
    {%- if not retention.is_finite_number(customers) or customers != (customers | int) or customers < 1 -%}
        {{ exceptions.raise_compiler_error("var projection_min_segment_customers must be a whole number of customers, 1 or more (how many customers a segment's cohorts must hold before fct_retention_projection_by_segment fits the shifted-beta-geometric model to it; default 100), e.g. 100; got '" ~ customers ~ "'.") }}
    {%- endif -%}
    {{ return(customers | int) }}
{% endmacro %}
