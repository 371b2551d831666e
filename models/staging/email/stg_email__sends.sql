-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('email_sends', ref('base_email__sends')) }}"
) }}

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
