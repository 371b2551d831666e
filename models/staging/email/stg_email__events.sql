-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('email_events', ref('base_email__events')) }}"
) }}

with

checked as (

    select * from {{ ref('base_email__events') }}
    where rejection_reason is null

),

final as (

    select
        send_id,
        event_type,
        occurred_at,
        {{ retention.to_reporting_timestamp('occurred_at') }} as occurred_at_local,
        is_machine_open
    from checked

)

select * from final
