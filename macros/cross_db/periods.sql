{#- Periods: the arithmetic, the spine, and the joins the customer-period
    models make on it. Each piece of arithmetic dispatches so an engine can
    override it (docs/operations.md lists them); the default builds on dbt's own
    cross-database date macros. period_spine and the joins at the end
    (rows_in_periods, values_at_boundary) are plain SQL on those pieces, the
    same on every engine. -#}

{% macro period_start(grain, expression) %}
    {{ return(adapter.dispatch('period_start', 'retention')(grain, expression)) }}
{% endmacro %}

{% macro default__period_start(grain, expression) -%}
    cast({{ dbt.date_trunc(grain, expression) }} as date)
{%- endmacro %}


{% macro period_add(grain, periods, date_expression) %}
    {{ return(adapter.dispatch('period_add', 'retention')(grain, periods, date_expression)) }}
{% endmacro %}

{% macro default__period_add(grain, periods, date_expression) -%}
    {#- quarters as three months: not every engine has a quarter interval -#}
    {%- if grain == 'quarter' -%}
        cast({{ dbt.dateadd('month', '(' ~ periods ~ ') * 3', date_expression) }} as date)
    {%- else -%}
        cast({{ dbt.dateadd(grain, periods, date_expression) }} as date)
    {%- endif -%}
{%- endmacro %}


{% macro period_end(grain, period_start_expression) %}
    {{ return(adapter.dispatch('period_end', 'retention')(grain, period_start_expression)) }}
{% endmacro %}

{% macro default__period_end(grain, period_start_expression) -%}
    cast({{ dbt.dateadd('day', -1, retention.period_add(grain, 1, period_start_expression)) }} as date)
{%- endmacro %}


{% macro periods_between(grain, first_period_start, last_period_start) %}
    {{ return(adapter.dispatch('periods_between', 'retention')(grain, first_period_start, last_period_start)) }}
{% endmacro %}

{% macro default__periods_between(grain, first_period_start, last_period_start) -%}
    {{ dbt.datediff(first_period_start, last_period_start, grain) }}
{%- endmacro %}


{% macro period_start_for_grain(grain_column, expression) %}
    {#- The start of the period holding `expression`, for the grain named in
        the column `grain_column`; covers the configured grains. -#}
    case {{ grain_column }}
    {%- for grain in retention.period_grains() %}
        when '{{ grain }}' then {{ retention.period_start(grain, expression) }}
    {%- endfor %}
    end
{%- endmacro %}


{% macro integer_series(size) %}
    {{ return(adapter.dispatch('integer_series', 'retention')(size)) }}
{% endmacro %}

{% macro default__integer_series(size) %}
    {#- A select of one column `n` holding 0 .. size - 1, from cross-joined
        digits: plain SQL that every engine runs. -#}
    {%- set digits = (size - 1) | string | length -%}
    with digits as (
        {%- for d in range(10) %}
        select {{ d }} as d{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    )

    select
        {% for position in range(digits) -%}
        digit_{{ position }}.d * {{ 10 ** position }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as n
    from digits as digit_0
    {%- for position in range(1, digits) %}
    cross join digits as digit_{{ position }}
    {%- endfor %}
    where
        {% for position in range(digits) -%}
        digit_{{ position }}.d * {{ 10 ** position }}{% if not loop.last %} + {% endif %}
        {%- endfor %} < {{ size }}
{% endmacro %}


{% macro period_spine(bounds, first_date_column, as_of_date_column, grains=none) %}
    {#- A select of one row per period of each grain (the configured grains by
        default) from the period holding `first_date_column` to the one holding
        `as_of_date_column`, both read from the one-row relation or CTE
        `bounds`; quiet periods included. Columns: period_grain, period_start,
        period_end, next_period_start, is_complete_period (false for the period
        holding the as-of date). At most 10,000 periods per grain. -#}
    {%- set grains = grains or retention.period_grains() -%}
    with

    offsets as (

        {{ retention.integer_series(10000) }}

    ),

    {% for grain in grains -%}
    {%- set first_start = retention.period_start(grain, 'bounds.' ~ first_date_column) %}
    starts_{{ grain }} as (

        select
            '{{ grain }}' as period_grain,
            {{ retention.period_add(grain, 'offsets.n', first_start) }} as period_start,
            bounds.{{ as_of_date_column }} as as_of_date
        from {{ bounds }} as bounds
        cross join offsets
        where offsets.n <= {{ retention.periods_between(
            grain, first_start, retention.period_start(grain, 'bounds.' ~ as_of_date_column)
        ) }}

    ),

    spine_{{ grain }} as (

        select
            period_grain,
            period_start,
            {{ retention.period_end(grain, 'period_start') }} as period_end,
            {{ retention.period_add(grain, 1, 'period_start') }} as next_period_start,
            as_of_date
        from starts_{{ grain }}

    ),

    {% endfor -%}
    spine as (

        {% for grain in grains -%}
        select * from spine_{{ grain }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}

    )

    select
        period_grain,
        period_start,
        period_end,
        next_period_start,
        (as_of_date < period_start or as_of_date >= next_period_start) as is_complete_period
    from spine
{% endmacro %}


{% macro rows_in_periods(relation, periods) -%}
    {#- The rows of `relation` (period_grain, period_start, ...) that fall in
        one of `periods`. -#}
    select {{ relation }}.*
    from {{ relation }}
    inner join {{ periods }}
        on
            {{ relation }}.period_grain = {{ periods }}.period_grain
            and {{ relation }}.period_start = {{ periods }}.period_start
{%- endmacro %}


{% macro values_at_boundary(period_end_values, periods, boundary_column, columns) -%}
    {#- Re-keys values measured at the end of a period onto the period for which
        that instant is `boundary_column`: with `period_start`, the end of one
        period becomes the start of the next; with `end_12_months_earlier`, it
        becomes the instant twelve months before a later period's end.
        `period_end_values` has period_grain, period_start and `columns`;
        `periods` has period_grain, period_start, next_period_start and
        `boundary_column`. -#}
    select
        {{ periods }}.period_grain,
        {{ periods }}.period_start,
        {%- for column in columns %}
        {{ period_end_values }}.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ period_end_values }}
    inner join {{ periods }} as measured_periods
        on
            {{ period_end_values }}.period_grain = measured_periods.period_grain
            and {{ period_end_values }}.period_start = measured_periods.period_start
    inner join {{ periods }}
        on
            measured_periods.period_grain = {{ periods }}.period_grain
            and measured_periods.next_period_start = {{ periods }}.{{ boundary_column }}
{%- endmacro %}
