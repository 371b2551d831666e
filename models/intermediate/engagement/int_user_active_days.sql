{#- One row per user and day the user was active: at least one event counted
    by var active_event_names on that calendar day of the reporting time zone,
    up to the as-of date. Every engagement mart starts here, so their cost
    grows with active user-days, never with users x calendar days. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

events as (

    select
        events.user_id,
        cast(events.occurred_at_local as date) as activity_date
    from {{ ref('stg_product__events') }} as events
    inner join reporting_window
        on events.occurred_at_local < reporting_window.as_of_at
    where events.is_active_event

),

user_days as (

    select
        user_id,
        activity_date,
        count(*) as active_events
    from events
    group by user_id, activity_date

),

final as (

    select
        user_id,
        activity_date,
        active_events,
        min(activity_date) over (partition by user_id) as first_active_date,
        lead(activity_date) over (partition by user_id order by activity_date) as next_active_date
    from user_days

)

select * from final
