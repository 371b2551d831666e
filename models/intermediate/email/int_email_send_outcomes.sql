{#- One row per usable send up to the as-of date with its outcome, from its
    events up to the as-of date: bounced when it has a bounce and nothing that
    proves it arrived (an open, click, unsubscribe or spam complaint); opened
    when it has an open or a click (a click implies the open the pixel missed);
    opened by a person when it has a click or an open not made by the mail
    client itself. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

sends as (

    select sends.*
    from {{ ref('stg_email__sends') }} as sends
    inner join reporting_window
        on sends.sent_at_local < reporting_window.as_of_at

),

events as (

    select events.*
    from {{ ref('stg_email__events') }} as events
    inner join reporting_window
        on events.occurred_at_local < reporting_window.as_of_at

),

send_events as (

    select
        send_id,
        max(case when event_type = 'bounce' then 1 else 0 end) as has_bounce,
        max(case when event_type in ('open', 'click') then 1 else 0 end) as has_open,
        max(
            case
                when event_type = 'click' then 1
                when event_type = 'open' and coalesce(is_machine_open, false) = false then 1
                else 0
            end
        ) as has_human_open,
        max(case when event_type = 'click' then 1 else 0 end) as has_click,
        max(case when event_type = 'unsubscribe' then 1 else 0 end) as has_unsubscribe,
        max(case when event_type = 'spam_complaint' then 1 else 0 end) as has_spam_complaint
    from events
    group by send_id

),

flags as (

    select
        sends.send_id,
        sends.customer_id,
        sends.campaign_id,
        sends.sent_at,
        sends.sent_at_local,
        coalesce(send_events.has_bounce, 0) = 1
        and coalesce(send_events.has_open, 0) = 0
        and coalesce(send_events.has_unsubscribe, 0) = 0
        and coalesce(send_events.has_spam_complaint, 0) = 0 as is_bounced,
        coalesce(send_events.has_open, 0) = 1 as is_opened,
        coalesce(send_events.has_human_open, 0) = 1 as is_opened_by_person,
        coalesce(send_events.has_click, 0) = 1 as is_clicked,
        coalesce(send_events.has_unsubscribe, 0) = 1 as is_unsubscribed,
        coalesce(send_events.has_spam_complaint, 0) = 1 as is_complained
    from sends
    left join send_events
        on sends.send_id = send_events.send_id

),

final as (

    select
        send_id,
        customer_id,
        campaign_id,
        sent_at,
        sent_at_local,
        is_bounced,
        not is_bounced as is_delivered,
        is_opened,
        is_opened_by_person,
        is_clicked,
        is_unsubscribed,
        is_complained
    from flags

)

select * from final
