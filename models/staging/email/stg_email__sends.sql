with

checked as (

    select * from {{ ref('base_email__sends') }}
    where rejection_reason is null

),

final as (

    select
        send_id,
        customer_id,
        campaign_id,
        sent_at,
        {{ retention.to_reporting_timestamp('sent_at') }} as sent_at_local
    from checked

)

select * from final
