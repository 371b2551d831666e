{#- Every distinct raw order row, typed and normalised, with the reason it
    cannot be used (null when it can). stg_shop__orders keeps the usable rows;
    rejected_rows publishes the others.

    Incremental: a run re-reads the raw rows placed in the lookback window
    (var incremental_lookback_days before the latest order held, or before
    now if that is in the future), the rows with no usable ordered_at, and every
    raw row sharing an order_id with them, and replaces those order keys. -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='delete+insert',
    unique_key='order_key',
    on_schema_change='fail',
) }}

{%- set settings = retention.incremental_guard(
    ['raw_database', 'raw_schema', 'reporting_currency', 'exchange_rates']
) %}
{%- set lookback_days = retention.incremental_lookback_days() %}
{%- set raw = retention.raw_source('shop', 'orders', required=true) %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('orders') %}

with

source as (

    select * from {{ raw['relation'] }}

),

{% if is_incremental() -%}
window_start as (

    select
        {{ retention.add_days_to_timestamp(
            -lookback_days,
            'least(max(ordered_at), ' ~ retention.run_started_at_literal() ~ ')'
        ) }} as window_start_at
    from {{ this }}

),

keyed_source as (

    select
        source.*,
        nullif(trim(cast(source.order_id as {{ dbt.type_string() }})), '') as parsed_order_id,
        {{ retention.try_to_timestamp('source.ordered_at', raw_types.ordered_at) }} as parsed_ordered_at
    from source

),

in_window as (

    -- rows with no usable ordered_at (missing, unparseable or out of range) are
    -- re-read on every run: a date ahead of today may become usable later
    select keyed_source.*
    from keyed_source
    cross join window_start
    where
        keyed_source.parsed_ordered_at >= window_start.window_start_at
        or keyed_source.parsed_ordered_at is null
        or not {{ retention.timestamp_in_range('keyed_source.parsed_ordered_at') }}
        or window_start.window_start_at is null

),

increment as (

    -- the window's rows and every row sharing an order_id with them, so
    -- conflicts between old and new rows are judged on all of their rows
    select * from in_window

    union all

    select keyed_source.*
    from keyed_source
    where
        keyed_source.parsed_order_id in (
            select in_window.parsed_order_id from in_window
            where in_window.parsed_order_id is not null
        )
        and not (keyed_source.parsed_ordered_at >= (select window_start.window_start_at from window_start))

),

{% else -%}
increment as (

    select * from source

),

{% endif -%}
deduplicated as (

    -- exact duplicate rows count once
    select distinct {{ raw_columns | join(', ') }}
    from increment

),

parsed as (

    select
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), '') as order_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        {{ retention.try_to_timestamp('ordered_at', raw_types.ordered_at) }} as parsed_ordered_at,
        nullif(lower(trim(cast(status as {{ dbt.type_string() }}))), '') as status,
        {{ retention.try_to_number('amount', raw_types.amount) }} as parsed_amount,
        {{ retention.try_to_money('amount', raw_types.amount) }} as original_amount,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ retention.try_to_number('refunded_amount', raw_types.refunded_amount) }} as parsed_refunded_amount,
        {{ retention.try_to_money('refunded_amount', raw_types.refunded_amount) }} as original_refunded_amount,
        {{ retention.row_as_text(raw_columns) }} as raw_row,
        {{ retention.has_raw_value('ordered_at', raw_types.ordered_at) }} as has_raw_ordered_at,
        {{ retention.has_raw_value('amount', raw_types.amount) }} as has_raw_amount,
        {{ retention.has_raw_value('refunded_amount', raw_types.refunded_amount) }} as has_raw_refunded_amount
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_ordered_at') }} then parsed_ordered_at
        end as ordered_at
    from parsed

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
            when typed.parsed_ordered_at is null and typed.has_raw_ordered_at then 'unparseable ordered_at'
            when typed.ordered_at is null and typed.has_raw_ordered_at then 'ordered_at out of range'
            when typed.ordered_at is null then 'missing ordered_at'
            when typed.status is null then 'missing status'
            when typed.status not in ('completed', 'refunded', 'cancelled', 'pending') then 'unknown status'
            when typed.parsed_amount is null and typed.has_raw_amount then 'unparseable amount'
            when typed.original_amount is null and typed.has_raw_amount then 'amount out of range'
            when typed.original_amount is null then 'missing amount'
            when typed.original_amount < 0 then 'negative amount'
            when typed.parsed_refunded_amount is null and typed.has_raw_refunded_amount
                then 'unparseable refunded_amount'
            when typed.original_refunded_amount is null and typed.has_raw_refunded_amount
                then 'refunded_amount out of range'
            when typed.original_refunded_amount < 0 then 'negative refunded_amount'
            when typed.original_refunded_amount > typed.original_amount then 'refunded_amount exceeds amount'
            when typed.currency is null then 'missing currency'
            when {{ retention.exchange_rate('typed.currency') }} is null then 'currency without exchange rate'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.order_id = conflicting_ids.order_id

),

keyed as (

    select
        *,
        -- never null, so delete+insert replaces every row of a key
        coalesce(order_id, 'row:' || raw_row) as order_key
    from checked

),

{% if is_incremental() -%}
previous_versions as (

    select
        order_key,
        min(ordered_at) as previous_ordered_at
    from {{ this }}
    where order_key in (select keyed.order_key from keyed)
    group by 1

),

{% endif -%}
final as (

    select
        keyed.order_key,
        keyed.order_id,
        keyed.customer_id,
        keyed.ordered_at,
        keyed.status,
        keyed.currency,
        keyed.original_amount,
        keyed.original_refunded_amount,
        keyed.exchange_rate,
        -- kept for rejected rows only: accepted rows are read back from their columns
        case when keyed.rejection_reason is not null then keyed.raw_row end as raw_row,
        keyed.rejection_reason,
        {{ retention.run_started_at_literal() }} as loaded_at,
        {% if is_incremental() -%}
        -- the old version of a replaced key may sit earlier than the new one
        case
            when previous_versions.previous_ordered_at is null then keyed.ordered_at
            when keyed.ordered_at is null then previous_versions.previous_ordered_at
            when previous_versions.previous_ordered_at < keyed.ordered_at
                then previous_versions.previous_ordered_at
            else keyed.ordered_at
        end as affects_from,
        {%- else -%}
        keyed.ordered_at as affects_from,
        {%- endif %}
        {{ settings }} as build_settings
    from keyed
    {%- if is_incremental() %}
    left join previous_versions
        on keyed.order_key = previous_versions.order_key
    {%- endif %}

)

select * from final
