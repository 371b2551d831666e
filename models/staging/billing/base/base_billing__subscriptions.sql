{#- Every distinct raw subscription price period, typed and normalised, with
    the reason it cannot be used (null when it can).

    Incremental: every row stores row_hash, the hash of its raw values. The
    pre-hook deletes every price_period_key whose raw rows changed, appeared or
    disappeared (at any age: an end set or moved back months later, a price
    period deleted at the source); the model then inserts every raw row of the
    keys it does not hold, so a key's rows are always judged together. -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ retention.delete_changed_raw_keys(
        retention.raw_relation('billing', 'subscriptions'),
        retention.raw_column_names('subscriptions'),
        'price_period_key',
        retention.price_period_key_of_raw_row(retention.raw_source('billing', 'subscriptions')['types'])
    ) }}",
) }}

{%- set settings = retention.incremental_guard(
    ['raw_database', 'raw_schema', 'reporting_currency', 'exchange_rates']
) %}
{%- set raw = retention.raw_source('billing', 'subscriptions') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('subscriptions') %}

with

source as (

    -- every raw row with the key it is stored under, computed as the pre-hook computes it
    select
        {{ retention.price_period_key_of_raw_row(raw_types) }} as price_period_key,
        {{ raw_columns | join(', ') }}
    from {{ raw['relation'] }}

),

deduplicated as (

    -- exact duplicate rows count once (the key follows from the row)
    select distinct *
    from source
    {%- if is_incremental() %}
    -- only the keys this table does not hold: new ones, and those the pre-hook deleted
    where {{ retention.key_not_stored('source', 'price_period_key') }}
    {%- endif %}

),

parsed as (

    select
        price_period_key,
        nullif(trim(cast(subscription_id as {{ dbt.type_string() }})), '') as subscription_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(cast(plan_id as {{ dbt.type_string() }})), '') as plan_id,
        {{ retention.try_to_timestamp('started_at', raw_types.started_at) }} as parsed_started_at,
        {{ retention.try_to_timestamp('ended_at', raw_types.ended_at) }} as parsed_ended_at,
        nullif(lower(trim(cast(billing_interval as {{ dbt.type_string() }}))), '') as billing_interval,
        {{ retention.try_to_number('amount', raw_types.amount) }} as parsed_amount,
        -- exact values: ranges and signs are judged on them, before any rounding
        {{ retention.try_to_exact_number('amount', raw_types.amount) }} as exact_amount,
        -- rounded to the money type's 6 decimals here, once; null when out of range
        {{ retention.try_to_money('amount', raw_types.amount) }} as original_amount,
        {{ retention.try_to_number('quantity', raw_types.quantity) }} as parsed_quantity,
        {{ retention.try_to_exact_number('quantity', raw_types.quantity) }} as exact_quantity,
        {{ retention.try_to_whole_number('quantity', raw_types.quantity) }} as quantity,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ retention.row_as_text(raw_columns) }} as raw_row,
        {{ retention.raw_row_hash(raw_columns) }} as row_hash,
        {{ retention.has_raw_value('started_at', raw_types.started_at) }} as has_raw_started_at,
        {{ retention.has_raw_value('ended_at', raw_types.ended_at) }} as has_raw_ended_at,
        {{ retention.has_raw_value('amount', raw_types.amount) }} as has_raw_amount,
        {{ retention.has_raw_value('quantity', raw_types.quantity) }} as has_raw_quantity
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_started_at') }} then parsed_started_at
        end as started_at,
        -- an end after the run's start plus one day (a scheduled cancellation,
        -- or infinity for "no end") cannot change any number yet: still running
        case
            when {{ retention.timestamp_in_range('parsed_ended_at') }} then parsed_ended_at
        end as ended_at,
        parsed_ended_at > {{ retention.latest_valid_timestamp() }} as is_ended_after_range
    from parsed

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
            when typed.parsed_started_at is null and typed.has_raw_started_at then 'unparseable started_at'
            when typed.started_at is null and typed.has_raw_started_at then 'started_at out of range'
            when typed.started_at is null then 'missing started_at'
            when conflicting_keys.subscription_id is not null
                then 'price period on rows with different values'
            when typed.customer_id is null then 'missing customer_id'
            when typed.parsed_ended_at is null and typed.has_raw_ended_at then 'unparseable ended_at'
            when typed.ended_at is null and typed.has_raw_ended_at and not typed.is_ended_after_range
                then 'ended_at out of range'
            when typed.ended_at <= typed.started_at then 'ended_at not after started_at'
            when typed.billing_interval is null then 'missing billing_interval'
            when typed.billing_interval not in ('week', 'month', 'quarter', 'year') then 'unknown billing_interval'
            when typed.parsed_amount is null and typed.has_raw_amount then 'unparseable amount'
            when typed.original_amount is null and typed.has_raw_amount then 'amount out of range'
            when typed.original_amount is null then 'missing amount'
            when typed.exact_amount < 0 then 'negative amount'
            when typed.has_raw_quantity and (
                typed.parsed_quantity is null
                or ({{ retention.number_in_range('typed.exact_quantity') }} and typed.quantity is null)
            ) then 'unparseable quantity'
            when typed.quantity is null and typed.has_raw_quantity then 'quantity out of range'
            when typed.quantity < 0 then 'negative quantity'
            -- MRR in the row's own currency below 10^15, like the amount: then no sum
            -- of accepted rows comes near the money type's 10^32 (docs/metrics.md)
            when not {{ retention.monthly_recurring_revenue_in_range(
                'typed.original_amount', 'typed.quantity', 'typed.billing_interval'
            ) }} then 'mrr out of range'
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
        price_period_key,
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
        -- kept for rejected rows only: accepted rows are read back from their columns
        case when rejection_reason is not null then raw_row end as raw_row,
        rejection_reason,
        row_hash,
        -- a start or end ahead of the run's start plus one day reads differently once that
        -- day has come: the next run reads the row again
        coalesce(parsed_started_at > {{ retention.latest_valid_timestamp() }} or is_ended_after_range, false)
            as depends_on_run_time,
        {{ retention.run_started_at_literal() }} as loaded_at,
        {{ settings }} as build_settings
    from checked

)

select * from final
