{#- One row per user with a usable event up to the as-of date: the paying
    account they belong to, when they were first and last active, and how many
    days they were active overall and in the last 7 and 28 days (L7, L28). -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

events as (

    select events.*
    from {{ ref('stg_product__events') }} as events
    inner join reporting_window
        on events.occurred_at_local < reporting_window.as_of_at

),

users as (

    select distinct user_id
    from events

),

latest_account_event as (

    select
        user_id,
        max(occurred_at) as occurred_at
    from events
    where customer_id is not null
    group by user_id

),

latest_account as (

    -- the customer_id of the user's latest event that names one; on a tie, the greatest
    select
        events.user_id,
        max(events.customer_id) as customer_id
    from events
    inner join latest_account_event
        on
            events.user_id = latest_account_event.user_id
            and events.occurred_at = latest_account_event.occurred_at
    where events.customer_id is not null
    group by events.user_id

),

activity as (

    select
        user_days.user_id,
        min(user_days.activity_date) as first_active_date,
        max(user_days.activity_date) as last_active_date,
        count(*) as active_days,
        sum(
            case
                when
                    user_days.activity_date
                    > cast({{ dbt.dateadd('day', -7, 'reporting_window.as_of_date') }} as date)
                    then 1
                else 0
            end
        ) as active_days_last_7,
        sum(
            case
                when
                    user_days.activity_date
                    > cast({{ dbt.dateadd('day', -28, 'reporting_window.as_of_date') }} as date)
                    then 1
                else 0
            end
        ) as active_days_last_28
    from {{ ref('int_user_active_days') }} as user_days
    cross join reporting_window
    group by user_days.user_id

),

final as (

    select
        cast(users.user_id as {{ dbt.type_string() }}) as user_id,
        cast(latest_account.customer_id as {{ dbt.type_string() }}) as customer_id,
        activity.first_active_date,
        activity.last_active_date,
        cast(coalesce(activity.active_days, 0) as {{ dbt.type_bigint() }}) as active_days,
        cast(coalesce(activity.active_days_last_7, 0) as {{ dbt.type_bigint() }}) as active_days_last_7,
        cast(coalesce(activity.active_days_last_28, 0) as {{ dbt.type_bigint() }}) as active_days_last_28
    from users
    left join latest_account
        on users.user_id = latest_account.user_id
    left join activity
        on users.user_id = activity.user_id

)

select * from final
