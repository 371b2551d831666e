{#- One row per day from the first active day to the as-of date: DAU, WAU,
    MAU and new users. A user active on day a counts in a trailing window of
    W days on days a .. a + W - 1, up to the day before their next active day
    (from which that day's own span counts them): the spans of one user never
    overlap, so a running sum of +1 at each span's start and -1 after its end
    counts distinct users, in one pass over the active user-days. -#}

{%- set mau_days = retention.mau_window_days() %}

with

user_days as (

    select * from {{ ref('int_user_active_days') }}

),

bounds as (

    select * from {{ ref('int_engagement_window') }}

),

offsets as (

    {{ retention.integer_series(100000) }}

),

days as (

    select cast({{ dbt.dateadd('day', 'offsets.n', 'bounds.first_active_date') }} as date) as activity_date
    from bounds
    cross join offsets
    where offsets.n <= {{ dbt.datediff('bounds.first_active_date', 'bounds.as_of_date', 'day') }}

),

daily as (

    select
        activity_date,
        count(*) as daily_active_users,
        sum(case when activity_date = first_active_date then 1 else 0 end) as new_users
    from user_days
    group by activity_date

),

span_edges as (

    select
        activity_date as edge_date,
        1 as weekly_change,
        1 as monthly_change
    from user_days
    union all
    select
        case
            when next_active_date < cast({{ dbt.dateadd('day', 7, 'activity_date') }} as date)
                then next_active_date
            else cast({{ dbt.dateadd('day', 7, 'activity_date') }} as date)
        end as edge_date,
        -1 as weekly_change,
        0 as monthly_change
    from user_days
    union all
    select
        case
            when next_active_date < cast({{ dbt.dateadd('day', mau_days, 'activity_date') }} as date)
                then next_active_date
            else cast({{ dbt.dateadd('day', mau_days, 'activity_date') }} as date)
        end as edge_date,
        0 as weekly_change,
        -1 as monthly_change
    from user_days

),

daily_changes as (

    select
        edge_date,
        sum(weekly_change) as weekly_change,
        sum(monthly_change) as monthly_change
    from span_edges
    group by edge_date

),

final as (

    select
        days.activity_date,
        coalesce(daily.daily_active_users, 0) as daily_active_users,
        sum(coalesce(daily_changes.weekly_change, 0)) over (
            order by days.activity_date rows between unbounded preceding and current row
        ) as weekly_active_users,
        sum(coalesce(daily_changes.monthly_change, 0)) over (
            order by days.activity_date rows between unbounded preceding and current row
        ) as monthly_active_users,
        coalesce(daily.new_users, 0) as new_users
    from days
    left join daily
        on days.activity_date = daily.activity_date
    left join daily_changes
        on days.activity_date = daily_changes.edge_date

)

select * from final
