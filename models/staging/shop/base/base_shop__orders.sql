{#- Every distinct raw order row, typed and normalised, with the reason it
    cannot be used (null when it can). stg_shop__orders keeps the usable rows;
    rejected_rows publishes the others. -#}

with

source as (

    select * from {{ retention.raw_relation('shop', 'orders', required=true) }}

),

deduplicated as (

    -- exact duplicate rows count once
    select distinct
        order_id,
        customer_id,
        ordered_at,
        status,
        amount,
        currency,
        refunded_amount
    from source

),

typed as (

    select
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as order_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        {{ retention.to_utc_timestamp('ordered_at') }} as ordered_at,
        nullif(lower(trim(cast(status as {{ dbt.type_string() }}))), '') as status,
        {{ dbt.safe_cast('amount', retention.type_money()) }} as original_amount,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ dbt.safe_cast('refunded_amount', retention.type_money()) }} as original_refunded_amount,
        {{ retention.row_as_text(
            ['order_id', 'customer_id', 'ordered_at', 'status', 'amount', 'currency', 'refunded_amount']
        ) }} as raw_row,
        ordered_at is not null as has_raw_ordered_at,
        amount is not null as has_raw_amount,
        refunded_amount is not null as has_raw_refunded_amount
    from deduplicated

),

conflicting_ids as (

    -- an order_id on two rows that are not exact duplicates: neither is trusted
    select order_id
    from typed
    where order_id is not null
    group by order_id
    having count(*) > 1

),

checked as (

    select
        typed.*,
        {{ retention.exchange_rate('typed.currency') }} as exchange_rate,
        case
            when typed.order_id is null then 'missing order_id'
            when conflicting_ids.order_id is not null then 'order_id on rows with different values'
            when typed.customer_id is null then 'missing customer_id'
            when typed.ordered_at is null and typed.has_raw_ordered_at then 'unparseable ordered_at'
            when typed.ordered_at is null then 'missing ordered_at'
            when typed.status is null then 'missing status'
            when typed.status not in ('completed', 'refunded', 'cancelled', 'pending') then 'unknown status'
            when typed.original_amount is null and typed.has_raw_amount then 'unparseable amount'
            when typed.original_amount is null then 'missing amount'
            when typed.original_amount < 0 then 'negative amount'
            when typed.original_refunded_amount is null and typed.has_raw_refunded_amount
                then 'unparseable refunded_amount'
            when typed.original_refunded_amount < 0 then 'negative refunded_amount'
            when typed.original_refunded_amount > typed.original_amount then 'refunded_amount exceeds amount'
            when typed.currency is null then 'missing currency'
            when {{ retention.exchange_rate('typed.currency') }} is null then 'currency without exchange rate'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.order_id = conflicting_ids.order_id

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        status,
        currency,
        original_amount,
        original_refunded_amount,
        exchange_rate,
        raw_row,
        rejection_reason
    from checked

)

select * from final
