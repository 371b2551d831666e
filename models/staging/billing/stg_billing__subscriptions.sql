-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('subscriptions', ref('base_billing__subscriptions')) }}"
) }}

with

checked as (

    select * from {{ ref('base_billing__subscriptions') }}
    where rejection_reason is null

),

converted as (

    select
        subscription_id,
        customer_id,
        plan_id,
        started_at,
        ended_at,
        billing_interval,
        quantity,
        currency,
        exchange_rate,
        {{ retention.in_reporting_currency('original_amount', 'exchange_rate') }} as amount
    from checked

),

final as (

    select
        subscription_id,
        customer_id,
        plan_id,
        started_at,
        ended_at,
        {{ retention.to_reporting_timestamp('started_at') }} as started_at_local,
        {{ retention.to_reporting_timestamp('ended_at') }} as ended_at_local,
        billing_interval,
        amount,
        quantity,
        currency,
        exchange_rate,
        {{ retention.monthly_recurring_revenue('amount', 'quantity', 'billing_interval') }} as mrr,
        {{ retention.monthly_recurring_revenue('amount', 'quantity', 'billing_interval') }} > 0 as is_paying
    from converted

)

select * from final
