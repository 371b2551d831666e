{#- One row per period of each configured grain, from the period holding the
    first activity to the one holding the as-of date, quiet periods included. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

spine as (

    {{ retention.period_spine('reporting_window', 'first_activity_date', 'as_of_date') }}

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        next_period_start,
        -- the end of the period twelve months before this one's end
        {{ retention.period_add('month', -12, 'next_period_start') }} as end_12_months_earlier,
        is_complete_period
    from spine

)

select * from final
