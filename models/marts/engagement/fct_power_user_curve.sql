{#- The power user curve (L-ness): for each calendar month, how many users
    were active on exactly k of its days, for every k from 1 to the days in the
    month (the month holding the as-of date too, whose later days cannot be
    active yet). -#}

with

user_days as (

    select * from {{ ref('int_user_active_days') }}

),

bounds as (

    select * from {{ ref('int_engagement_window') }}

),

months as (

    {{ retention.period_spine('bounds', 'first_active_date', 'as_of_date', ['month']) }}

),

day_counts as (

    select
        month_start,
        active_days,
        count(*) as user_count
    from (
        select
            user_id,
            {{ retention.period_start('month', 'activity_date') }} as month_start,
            count(*) as active_days
        from user_days
        group by user_id, {{ retention.period_start('month', 'activity_date') }}
    ) as user_months
    group by month_start, active_days

),

offsets as (

    {{ retention.integer_series(32) }}

),

curve_rows as (

    -- k = 1 .. the days in the month
    select
        months.period_start,
        months.period_end,
        months.is_complete_period,
        offsets.n + 1 as days_active
    from months
    cross join offsets
    where offsets.n + 1 <= {{ dbt.datediff('months.period_start', 'months.next_period_start', 'day') }}

),

curve as (

    select
        curve_rows.period_start,
        curve_rows.period_end,
        curve_rows.is_complete_period,
        curve_rows.days_active,
        coalesce(day_counts.user_count, 0) as user_count
    from curve_rows
    left join day_counts
        on
            curve_rows.period_start = day_counts.month_start
            and curve_rows.days_active = day_counts.active_days

),

final as (

    select
        period_start,
        period_end,
        is_complete_period,
        cast(days_active as {{ dbt.type_int() }}) as days_active,
        cast(user_count as {{ dbt.type_bigint() }}) as users,  -- noqa: RF04
        cast(
            {{ retention.safe_divide('user_count', 'sum(user_count) over (partition by period_start)') }}
            as {{ retention.type_ratio() }}
        ) as share_of_active_users,
        cast(
            sum(user_count) over (
                partition by period_start order by days_active desc
                rows between unbounded preceding and current row
            ) as {{ dbt.type_bigint() }}
        ) as users_active_at_least,
        cast(sum(user_count) over (partition by period_start) as {{ dbt.type_bigint() }}) as active_users
    from curve

)

select * from final
