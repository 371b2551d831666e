{#- One row per day, from the first day of the year holding the first activity
    to the last day of the year holding the as-of date: the day-grain time
    spine MetricFlow joins to (offset windows, metric_time). Built from the
    project's portable integer series, without dbt_utils. -#}

{{ config(materialized='table') }}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

offsets as (

    -- 100,000 days (273 years) exceed the widest window the staging rules allow (1900 to tomorrow)
    {{ retention.integer_series(100000) }}

),

bounds as (

    select
        {{ retention.period_start('year', 'first_activity_date') }} as first_day,
        {{ retention.period_end('year', retention.period_start('year', 'as_of_date')) }} as last_day
    from reporting_window

),

days as (

    select {{ retention.period_add('day', 'offsets.n', 'bounds.first_day') }} as date_day
    from bounds
    cross join offsets
    where offsets.n <= {{ retention.periods_between('day', 'bounds.first_day', 'bounds.last_day') }}

),

final as (

    select date_day
    from days

)

select * from final
