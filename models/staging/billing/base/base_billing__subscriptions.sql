{#- Every distinct raw subscription price period, typed and normalised, with
    the reason it cannot be used (null when it can). -#}

with

source as (

    select * from {{ retention.raw_relation('billing', 'subscriptions') }}

),

deduplicated as (

    -- exact duplicate rows count once
    select distinct
        subscription_id,
        customer_id,
        plan_id,
        started_at,
        ended_at,
        billing_interval,
        amount,
        quantity,
        currency
    from source

),

typed as (

    select
        nullif(trim(cast(subscription_id as {{ dbt.type_string() }})), '') as subscription_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(cast(plan_id as {{ dbt.type_string() }})), '') as plan_id,
        {{ retention.to_utc_timestamp('started_at') }} as started_at,
        {{ retention.to_utc_timestamp('ended_at') }} as ended_at,
        nullif(lower(trim(cast(billing_interval as {{ dbt.type_string() }}))), '') as billing_interval,
        {{ dbt.safe_cast('amount', retention.type_money()) }} as original_amount,
        {{ dbt.safe_cast('quantity', dbt.type_bigint()) }} as quantity,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ retention.row_as_text([
            'subscription_id', 'customer_id', 'plan_id', 'started_at', 'ended_at',
            'billing_interval', 'amount', 'quantity', 'currency'
        ]) }} as raw_row,
        started_at is not null as has_raw_started_at,
        ended_at is not null as has_raw_ended_at,
        amount is not null as has_raw_amount,
        quantity is not null as has_raw_quantity
    from deduplicated

),

conflicting_keys as (

    -- one price period (subscription_id, started_at) on rows that are not
    -- exact duplicates: neither is trusted
    select
        subscription_id,
        started_at
    from typed
    where subscription_id is not null and started_at is not null
    group by subscription_id, started_at
    having count(*) > 1

),

checked as (

    select
        typed.*,
        {{ retention.exchange_rate('typed.currency') }} as exchange_rate,
        case
            when typed.subscription_id is null then 'missing subscription_id'
            when typed.started_at is null and typed.has_raw_started_at then 'unparseable started_at'
            when typed.started_at is null then 'missing started_at'
            when conflicting_keys.subscription_id is not null
                then 'price period on rows with different values'
            when typed.customer_id is null then 'missing customer_id'
            when typed.ended_at is null and typed.has_raw_ended_at then 'unparseable ended_at'
            when typed.ended_at <= typed.started_at then 'ended_at not after started_at'
            when typed.billing_interval is null then 'missing billing_interval'
            when typed.billing_interval not in ('week', 'month', 'quarter', 'year') then 'unknown billing_interval'
            when typed.original_amount is null and typed.has_raw_amount then 'unparseable amount'
            when typed.original_amount is null then 'missing amount'
            when typed.original_amount < 0 then 'negative amount'
            when typed.quantity is null and typed.has_raw_quantity then 'unparseable quantity'
            when typed.quantity < 0 then 'negative quantity'
            when typed.currency is null then 'missing currency'
            when {{ retention.exchange_rate('typed.currency') }} is null then 'currency without exchange rate'
        end as rejection_reason
    from typed
    left join conflicting_keys
        on
            typed.subscription_id = conflicting_keys.subscription_id
            and typed.started_at = conflicting_keys.started_at

),

final as (

    select
        subscription_id,
        customer_id,
        plan_id,
        started_at,
        ended_at,
        billing_interval,
        original_amount,
        quantity,
        currency,
        exchange_rate,
        raw_row,
        rejection_reason
    from checked

)

select * from final
