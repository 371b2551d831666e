{#- Product retention from events (spec section 12): for each cohort of users
    whose first active day falls in a period (day, week from Monday, month),
    how many were active in exactly the k-th period after it (N-day
    retention) and in the k-th or any later one up to the as-of date
    (unbounded retention). Counted from each user's distinct active periods
    and last active period, never from users x periods: returned users are a
    group-by over (cohort, active period), unbounded ones a running count of
    last active periods over k descending. -#}

with

user_periods as (

    select * from {{ ref('int_user_retention_periods') }}

),

bounds as (

    select * from {{ ref('int_engagement_window') }}

),

spine as (

    {{ retention.period_spine('bounds', 'first_active_date', 'as_of_date', ['day', 'week', 'month']) }}

),

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_complete_period,
        row_number() over (partition by period_grain order by period_start) as period_number
    from spine

),

cohort_sizes as (

    select
        period_grain,
        cohort_period_start,
        count(*) as cohort_users
    from user_periods
    where period_start = cohort_period_start
    group by period_grain, cohort_period_start

),

returned as (

    -- a user counts once in each period they were active in
    select
        period_grain,
        cohort_period_start,
        period_start,
        count(*) as returned_users
    from user_periods
    group by period_grain, cohort_period_start, period_start

),

last_active as (

    -- each user once, in the last period they were active in
    select
        period_grain,
        cohort_period_start,
        last_active_period_start,
        count(*) as last_active_users
    from user_periods
    where period_start = last_active_period_start
    group by period_grain, cohort_period_start, last_active_period_start

),

triangle as (

    -- every cohort gets a row for each period from its own to the as-of period
    select
        cohort_sizes.period_grain,
        cohort_sizes.cohort_period_start,
        cohort_sizes.cohort_users,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        periods.period_number - cohort_periods.period_number as periods_since_first
    from cohort_sizes
    inner join periods as cohort_periods
        on
            cohort_sizes.period_grain = cohort_periods.period_grain
            and cohort_sizes.cohort_period_start = cohort_periods.period_start
    inner join periods
        on
            cohort_sizes.period_grain = periods.period_grain
            and cohort_sizes.cohort_period_start <= periods.period_start

),

counted as (

    select
        triangle.period_grain,
        triangle.cohort_period_start,
        triangle.periods_since_first,
        triangle.period_start,
        triangle.period_end,
        triangle.is_complete_period,
        triangle.cohort_users,
        coalesce(returned.returned_users, 0) as returned_users,
        -- active in period k or later = last active in period k or later
        sum(coalesce(last_active.last_active_users, 0)) over (
            partition by triangle.period_grain, triangle.cohort_period_start
            order by triangle.periods_since_first desc
            rows between unbounded preceding and current row
        ) as returned_or_later_users
    from triangle
    left join returned
        on
            triangle.period_grain = returned.period_grain
            and triangle.cohort_period_start = returned.cohort_period_start
            and triangle.period_start = returned.period_start
    left join last_active
        on
            triangle.period_grain = last_active.period_grain
            and triangle.cohort_period_start = last_active.cohort_period_start
            and triangle.period_start = last_active.last_active_period_start

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cohort_period_start,
        cast(periods_since_first as {{ dbt.type_bigint() }}) as periods_since_first,
        period_start,
        period_end,
        is_complete_period,
        cast(cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(returned_users as {{ dbt.type_bigint() }}) as returned_users,
        cast(returned_or_later_users as {{ dbt.type_bigint() }}) as returned_or_later_users,
        cast(
            {{ retention.cohort_retention_rate('returned_users', 'cohort_users') }} as {{ retention.type_ratio() }}
        ) as retention_rate,
        cast(
            {{ retention.cohort_retention_rate('returned_or_later_users', 'cohort_users') }}
            as {{ retention.type_ratio() }}
        ) as unbounded_retention_rate
    from counted

)

select * from final
