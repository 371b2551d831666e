{#- One row per period of each configured grain, from the period holding the
    first activity to the one holding the as-of date, quiet periods included. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

offsets as (

    {{ retention.integer_series(10000) }}

),

{% for grain in retention.period_grains() %}
{%- set first_start = retention.period_start(grain, 'reporting_window.first_activity_date') %}
starts_{{ grain }} as (

    select
        '{{ grain }}' as period_grain,
        {{ retention.period_add(grain, 'offsets.n', first_start) }} as period_start,
        reporting_window.as_of_date
    from reporting_window
    cross join offsets
    where offsets.n <= {{ retention.periods_between(
        grain, first_start, retention.period_start(grain, 'reporting_window.as_of_date')
    ) }}

),

spine_{{ grain }} as (

    select
        period_grain,
        period_start,
        {{ retention.period_end(grain, 'period_start') }} as period_end,
        {{ retention.period_add(grain, 1, 'period_start') }} as next_period_start,
        -- the end of the period twelve months before this one's end
        {{ retention.period_add('month', -12, retention.period_add(grain, 1, 'period_start')) }}
            as end_12_months_earlier,
        as_of_date
    from starts_{{ grain }}

),

{% endfor %}
spine as (

    {% for grain in retention.period_grains() -%}
    select * from spine_{{ grain }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        next_period_start,
        end_12_months_earlier,
        (as_of_date < period_start or as_of_date >= next_period_start) as is_complete_period
    from spine

)

select * from final
