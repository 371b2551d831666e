-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('customers', ref('base_crm__customers')) }}"
) }}

with

checked as (

    select * from {{ ref('base_crm__customers') }}
    where rejection_reason is null

),

final as (

    select
        customer_id,
        created_at,
        country,
        acquisition_channel,
        email_hash
    from checked

)

select * from final
