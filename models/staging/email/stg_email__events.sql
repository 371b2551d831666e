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
