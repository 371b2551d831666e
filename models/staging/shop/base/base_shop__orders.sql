{#- Every distinct raw order row, typed and normalised, with the reason it
    cannot be used (null when it can). stg_shop__orders keeps the usable rows;
    rejected_rows publishes the others.

    Incremental: every row stores row_hash, the hash of its raw values. The
    pre-hook deletes every order_key whose raw rows changed, appeared or
    disappeared (at any age: a refund set months later, a row deleted at the
    source); the model then inserts every raw row of the keys it does not hold,
    so a key's rows are always judged together (conflicts included). -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ retention.delete_changed_raw_keys(
        retention.raw_relation('shop', 'orders', required=true),
        retention.raw_column_names('orders'),
        'order_key',
        retention.order_key_of_raw_row()
    ) }}",
) }}

{%- set settings = retention.incremental_guard(
    ['raw_database', 'raw_schema', 'reporting_currency', 'exchange_rates']
) %}
{%- set raw = retention.raw_source('shop', 'orders', required=true) %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('orders') %}

with

source as (

    -- every raw row with the key it is stored under, computed as the pre-hook computes it
    select
        {{ retention.order_key_of_raw_row() }} as order_key,
        {{ raw_columns | join(', ') }}
    from {{ raw['relation'] }}

),

deduplicated as (

    -- exact duplicate rows count once (the key follows from the row)
    select distinct *
    from source
    {%- if is_incremental() %}
    -- only the keys this table does not hold: new ones, and those the pre-hook deleted
    where {{ retention.key_not_stored('source', 'order_key') }}
    {%- endif %}

),

parsed as (

    select
        order_key,
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as clean_order_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as clean_customer_id,
        {{ retention.try_to_timestamp('ordered_at', raw_types.ordered_at) }} as parsed_ordered_at,
        nullif(lower(trim(cast(status as {{ dbt.type_string() }}))), '') as clean_status,
        {{ retention.try_to_number('amount', raw_types.amount) }} as parsed_amount,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as clean_currency,
        {{ retention.try_to_number('refunded_amount', raw_types.refunded_amount) }} as parsed_refunded_amount,
        {{ retention.raw_row_hash(raw_columns) }} as row_hash,
        {{ retention.has_raw_value('ordered_at', raw_types.ordered_at) }} as has_raw_ordered_at,
        {{ retention.has_raw_value('amount', raw_types.amount) }} as has_raw_amount,
        {{ retention.has_raw_value('refunded_amount', raw_types.refunded_amount) }} as has_raw_refunded_amount,
        -- the raw columns, written as text for rejected rows only (for every row
        -- it cost a third of the model's time at ten million orders)
        {{ raw_columns | join(', ') }}
    from deduplicated

),

exact_values as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_ordered_at') }} then parsed_ordered_at
        end as clean_ordered_at,
        -- exact values: the range, the sign and the refund are judged on them, before any rounding
        {{ retention.try_to_exact_number('amount', raw_types.amount, 'parsed_amount') }} as exact_amount,
        {{ retention.try_to_exact_number('refunded_amount', raw_types.refunded_amount, 'parsed_refunded_amount') }}
            as exact_refunded_amount
    from parsed

),

typed as (

    select
        *,
        -- rounded to the money type's 6 decimals here, once; null when out of range
        {{ retention.try_to_money('amount', raw_types.amount, 'exact_amount') }} as original_amount,
        {{ retention.try_to_money('refunded_amount', raw_types.refunded_amount, 'exact_refunded_amount') }}
            as original_refunded_amount
    from exact_values

),

conflicting_ids as (

    -- an order_id on two rows that are not exact duplicates: neither is trusted
    select clean_order_id
    from typed
    where clean_order_id is not null
    group by clean_order_id
    having count(*) > 1

),

checked as (

    select
        typed.*,
        {{ retention.exchange_rate('typed.clean_currency') }} as exchange_rate,
        case
            when typed.clean_order_id is null then 'missing order_id'
            when conflicting_ids.clean_order_id is not null then 'order_id on rows with different values'
            when typed.clean_customer_id is null then 'missing customer_id'
            when typed.parsed_ordered_at is null and typed.has_raw_ordered_at then 'unparseable ordered_at'
            when typed.clean_ordered_at is null and typed.has_raw_ordered_at then 'ordered_at out of range'
            when typed.clean_ordered_at is null then 'missing ordered_at'
            when typed.clean_status is null then 'missing status'
            when typed.clean_status not in ('completed', 'refunded', 'cancelled', 'pending') then 'unknown status'
            when typed.parsed_amount is null and typed.has_raw_amount then 'unparseable amount'
            when typed.original_amount is null and typed.has_raw_amount then 'amount out of range'
            when typed.original_amount is null then 'missing amount'
            when typed.exact_amount < 0 then 'negative amount'
            when typed.parsed_refunded_amount is null and typed.has_raw_refunded_amount
                then 'unparseable refunded_amount'
            when typed.original_refunded_amount is null and typed.has_raw_refunded_amount
                then 'refunded_amount out of range'
            when typed.exact_refunded_amount < 0 then 'negative refunded_amount'
            when typed.exact_refunded_amount > typed.exact_amount then 'refunded_amount exceeds amount'
            when typed.clean_currency is null then 'missing currency'
            when {{ retention.exchange_rate('typed.clean_currency') }} is null then 'currency without exchange rate'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.clean_order_id = conflicting_ids.clean_order_id

),

final as (

    select
        order_key,
        clean_order_id as order_id,
        clean_customer_id as customer_id,
        clean_ordered_at as ordered_at,
        clean_status as status,
        clean_currency as currency,
        original_amount,
        original_refunded_amount,
        exchange_rate,
        -- kept for rejected rows only: accepted rows are read back from their columns
        case when rejection_reason is not null then {{ retention.row_as_text(raw_columns) }} end as raw_row,
        rejection_reason,
        row_hash,
        -- an ordered_at ahead of the run's start plus one day is out of range today, not
        -- once that day has come: the next run reads the row again
        coalesce(parsed_ordered_at > {{ retention.latest_valid_timestamp() }}, false) as depends_on_run_time,
        {{ retention.run_started_at_literal() }} as loaded_at,
        {{ settings }} as build_settings
    from checked

)

select * from final
