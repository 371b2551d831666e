{#- Active users per period and how they move between periods (new,
    returning, resurrected, dormant), with average DAU and MAU and the two
    stickiness ratios. -#}

with

daily as (

    select * from {{ ref('int_daily_active_users') }}

),

user_periods as (

    select * from {{ ref('int_user_active_periods') }}

),

bounds as (

    select * from {{ ref('int_engagement_window') }}

),

periods as (

    {{ retention.period_spine('bounds', 'first_active_date', 'as_of_date') }}

),

movements as (

    select
        period_grain,
        period_start,
        count(*) as active_users,
        sum(case when previous_active_period_start is null then 1 else 0 end) as new_users,
        sum(case when previous_active_period_start = previous_period_start then 1 else 0 end) as returning_users,
        sum(
            case
                when previous_active_period_start < previous_period_start then 1 else 0
            end
        ) as resurrected_users
    from user_periods
    group by period_grain, period_start

),

dormant as (

    -- active in a period and not in the next: dormant in the next
    select
        period_grain,
        next_period_start as period_start,
        count(*) as dormant_users
    from user_periods
    where next_active_period_start is null or next_active_period_start > next_period_start
    group by period_grain, next_period_start

),

month_active_users as (

    -- users active in each calendar month, whatever grains are configured
    select
        {{ retention.period_start('month', 'activity_date') }} as month_start,
        count(distinct user_id) as active_users
    from {{ ref('int_user_active_days') }}
    group by {{ retention.period_start('month', 'activity_date') }}

),

months as (

    {{ retention.period_spine('bounds', 'first_active_date', 'as_of_date', ['month']) }}

),

monthly as (

    -- every month from the first active one to the as-of month, quiet ones as zero
    select
        months.period_start as month_start,
        coalesce(month_active_users.active_users, 0) as active_users
    from months
    left join month_active_users
        on months.period_start = month_active_users.month_start

),

averages as (

    select
        periods.period_grain,
        periods.period_start,
        avg(cast(daily.daily_active_users as {{ retention.type_ratio() }})) as average_daily_active_users
    from periods
    inner join daily
        on
            periods.period_start <= daily.activity_date
            and periods.next_period_start > daily.activity_date
    group by periods.period_grain, periods.period_start

),

monthly_averages as (

    select
        periods.period_grain,
        periods.period_start,
        avg(cast(monthly.active_users as {{ retention.type_ratio() }})) as average_monthly_active_users
    from periods
    inner join monthly
        on
            periods.period_start <= monthly.month_start
            and periods.next_period_start > monthly.month_start
    group by periods.period_grain, periods.period_start

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        cast(coalesce(movements.active_users, 0) as {{ dbt.type_bigint() }}) as active_users,
        cast(coalesce(movements.new_users, 0) as {{ dbt.type_bigint() }}) as new_users,
        cast(coalesce(movements.returning_users, 0) as {{ dbt.type_bigint() }}) as returning_users,
        cast(coalesce(movements.resurrected_users, 0) as {{ dbt.type_bigint() }}) as resurrected_users,
        cast(coalesce(dormant.dormant_users, 0) as {{ dbt.type_bigint() }}) as dormant_users,
        cast(averages.average_daily_active_users as {{ retention.type_ratio() }}) as average_daily_active_users,
        cast(monthly_averages.average_monthly_active_users as {{ retention.type_ratio() }})
            as average_monthly_active_users,
        cast(
            {{ retention.stickiness('averages.average_daily_active_users', 'movements.active_users') }}
            as {{ retention.type_ratio() }}
        ) as daily_stickiness,
        cast(
            {{ retention.stickiness('monthly_averages.average_monthly_active_users', 'movements.active_users') }}
            as {{ retention.type_ratio() }}
        ) as monthly_stickiness
    from periods
    left join movements
        on
            periods.period_grain = movements.period_grain
            and periods.period_start = movements.period_start
    left join dormant
        on
            periods.period_grain = dormant.period_grain
            and periods.period_start = dormant.period_start
    left join averages
        on
            periods.period_grain = averages.period_grain
            and periods.period_start = averages.period_start
    left join monthly_averages
        on
            periods.period_grain = monthly_averages.period_grain
            and periods.period_start = monthly_averages.period_start

)

select * from final
