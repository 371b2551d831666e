{#- Every distinct raw subscription price period, typed and normalised, with
    the reason it cannot be used (null when it can).

    Incremental: a run re-reads the raw rows that start or end in the lookback
    window (var incremental_lookback_days before the latest start held, or
    before now if that is in the future) or later, the rows with no usable
    started_at, and every raw row sharing a price period key with them, and
    replaces those keys. -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='delete+insert',
    unique_key='price_period_key',
    on_schema_change='fail',
) }}

{%- set settings = retention.incremental_guard(
    ['raw_database', 'raw_schema', 'reporting_currency', 'exchange_rates']
) %}
{%- set lookback_days = retention.incremental_lookback_days() %}
{%- set raw = retention.raw_source('billing', 'subscriptions') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('subscriptions') %}

with

source as (

    select * from {{ raw['relation'] }}

),

{% if is_incremental() -%}
window_start as (

    select
        {{ retention.add_days_to_timestamp(
            -lookback_days,
            'least(max(started_at), ' ~ retention.run_started_at_literal() ~ ')'
        ) }} as window_start_at
    from {{ this }}

),

keyed_source as (

    select
        source.*,
        nullif(trim(cast(source.subscription_id as {{ dbt.type_string() }})), '') as parsed_subscription_id,
        {{ retention.try_to_timestamp('source.started_at', raw_types.started_at) }} as parsed_started_at,
        {{ retention.try_to_timestamp('source.ended_at', raw_types.ended_at) }} as parsed_ended_at
    from source

),

in_window as (

    select keyed_source.*
    from keyed_source
    cross join window_start
    where
        keyed_source.parsed_started_at >= window_start.window_start_at
        or keyed_source.parsed_ended_at >= window_start.window_start_at
        or keyed_source.parsed_started_at is null
        or not {{ retention.timestamp_in_range('keyed_source.parsed_started_at') }}
        or window_start.window_start_at is null

),

window_keys as (

    select distinct
        parsed_subscription_id,
        parsed_started_at
    from in_window
    where parsed_subscription_id is not null and parsed_started_at is not null

),

increment as (

    -- the window's rows and every row sharing a price period key with them,
    -- so conflicts between old and new rows are judged on all of their rows
    select keyed_source.*
    from keyed_source
    where exists (
        select 1
        from window_keys
        where
            window_keys.parsed_subscription_id = keyed_source.parsed_subscription_id
            and window_keys.parsed_started_at = keyed_source.parsed_started_at
    )

    union all

    select * from in_window
    where parsed_subscription_id is null or parsed_started_at is null

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
        nullif(trim(cast(subscription_id as {{ dbt.type_string() }})), '') as subscription_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(cast(plan_id as {{ dbt.type_string() }})), '') as plan_id,
        {{ retention.try_to_timestamp('started_at', raw_types.started_at) }} as parsed_started_at,
        {{ retention.try_to_timestamp('ended_at', raw_types.ended_at) }} as parsed_ended_at,
        nullif(lower(trim(cast(billing_interval as {{ dbt.type_string() }}))), '') as billing_interval,
        {{ retention.try_to_number('amount', raw_types.amount) }} as parsed_amount,
        {{ retention.try_to_money('amount', raw_types.amount) }} as original_amount,
        {{ retention.try_to_number('quantity', raw_types.quantity) }} as parsed_quantity,
        {{ retention.try_to_whole_number('quantity', raw_types.quantity) }} as quantity,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ retention.row_as_text(raw_columns) }} as raw_row,
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
            when typed.original_amount < 0 then 'negative amount'
            when typed.has_raw_quantity and (
                typed.parsed_quantity is null
                or ({{ retention.number_in_range('typed.parsed_quantity') }} and typed.quantity is null)
            ) then 'unparseable quantity'
            when typed.quantity is null and typed.has_raw_quantity then 'quantity out of range'
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

keyed as (

    select
        *,
        -- never null, so delete+insert replaces every row of a key
        coalesce(
            subscription_id || '|' || cast(started_at as {{ dbt.type_string() }}),
            'row:' || raw_row
        ) as price_period_key
    from checked

),

{% if is_incremental() -%}
keyed_counts as (

    select
        price_period_key,
        count(*) as versions
    from keyed
    group by 1

),

previous_versions as (

    select
        price_period_key,
        count(*) as versions,
        max(raw_row) as raw_row,
        max(rejection_reason) as rejection_reason,
        max(customer_id) as customer_id,
        max(coalesce(plan_id, '')) as plan_id,
        max(billing_interval) as billing_interval,
        max(original_amount) as original_amount,
        max(coalesce(quantity, -1)) as quantity,
        max(currency) as currency,
        max(ended_at) as ended_at,
        max(case when ended_at is null then 1 else 0 end) as is_running
    from {{ this }}
    where price_period_key in (select keyed.price_period_key from keyed)
    group by 1

),

affected as (

    select
        keyed.*,
        case
            when previous_versions.price_period_key is null then keyed.started_at
            when previous_versions.versions = 1 and keyed_counts.versions = 1
                and previous_versions.raw_row = keyed.raw_row
                then null
            -- an accepted row again accepted with the same values but perhaps its
            -- end: numbers change from the earlier end on, or not at all
            when previous_versions.versions = 1 and keyed_counts.versions = 1
                and previous_versions.rejection_reason is null and keyed.rejection_reason is null
                and previous_versions.customer_id = keyed.customer_id
                and previous_versions.plan_id = coalesce(keyed.plan_id, '')
                and previous_versions.billing_interval = keyed.billing_interval
                and previous_versions.original_amount = keyed.original_amount
                and previous_versions.quantity = coalesce(keyed.quantity, -1)
                and previous_versions.currency = keyed.currency
                then case
                    when previous_versions.is_running = 1 and keyed.ended_at is null then null
                    when previous_versions.ended_at = keyed.ended_at then null
                    when previous_versions.is_running = 1 then keyed.ended_at
                    when keyed.ended_at is null then previous_versions.ended_at
                    when previous_versions.ended_at < keyed.ended_at then previous_versions.ended_at
                    else keyed.ended_at
                end
            else keyed.started_at
        end as affects_from
    from keyed
    inner join keyed_counts
        on keyed.price_period_key = keyed_counts.price_period_key
    left join previous_versions
        on keyed.price_period_key = previous_versions.price_period_key

),

{% else -%}
affected as (

    select
        *,
        started_at as affects_from
    from keyed

),

{% endif -%}
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
        {{ retention.run_started_at_literal() }} as loaded_at,
        affects_from,
        {{ settings }} as build_settings
    from affected

)

select * from final
