{#- Every distinct raw event row, typed, with the reason it cannot be used
    (null when it can). stg_product__events keeps the usable rows;
    rejected_rows publishes the others.

    Incremental, as base_shop__orders: every row stores row_hash, the hash of
    its raw values. The pre-hook deletes every event_key whose raw rows
    changed, appeared or disappeared (at any age, deleted rows included); the
    model then inserts every raw row of the keys it does not hold, so a key's
    rows are always judged together (conflicts included). Events are the
    largest source: at 49 million events a full parse was about 100 s of every
    run (benchmarks/engagement.md). -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ retention.delete_changed_raw_keys(
        retention.raw_relation('product', 'events'),
        retention.raw_column_names('events'),
        'event_key',
        retention.event_key_of_raw_row()
    ) }}",
) }}

{%- set settings = retention.incremental_guard(['raw_database', 'raw_schema']) %}
{%- set raw = retention.raw_source('product', 'events') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('events') %}

with

source as (

    -- every raw row with the key it is stored under, computed as the pre-hook computes it
    select
        {{ retention.event_key_of_raw_row() }} as event_key,
        {{ raw_columns | join(', ') }}
    from {{ raw['relation'] }}

),

deduplicated as (

    -- exact duplicate rows count once (the key follows from the row)
    select distinct *
    from source
    {%- if is_incremental() %}
    -- only the keys this table does not hold: new ones, and those the pre-hook deleted
    where {{ retention.key_not_stored('source', 'event_key') }}
    {%- endif %}

),

parsed as (

    select
        event_key,
        {{ retention.trimmed_text('event_id') }} as clean_event_id,
        {{ retention.trimmed_text('user_id') }} as clean_user_id,
        {{ retention.trimmed_text('customer_id') }} as clean_customer_id,
        {{ retention.try_to_timestamp('occurred_at', raw_types.occurred_at) }} as parsed_occurred_at,
        {{ retention.trimmed_text('event_name') }} as clean_event_name,
        {{ retention.has_raw_value('occurred_at', raw_types.occurred_at) }} as has_raw_occurred_at,
        {{ retention.raw_row_hash(raw_columns) }} as row_hash,
        -- the raw columns, for the audit trail of rejected rows
        {{ raw_columns | join(', ') }}
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_occurred_at') }} then parsed_occurred_at
        end as clean_occurred_at
    from parsed

),

conflicting_ids as (

    -- an event_id on two rows that are not exact duplicates: neither is trusted
    select clean_event_id
    from typed
    where clean_event_id is not null
    group by clean_event_id
    having count(*) > 1

),

checked as (

    select
        typed.*,
        case
            when conflicting_ids.clean_event_id is not null then 'event_id on rows with different values'
            when typed.clean_user_id is null then 'missing user_id'
            when typed.parsed_occurred_at is null and typed.has_raw_occurred_at then 'unparseable occurred_at'
            when typed.clean_occurred_at is null and typed.has_raw_occurred_at then 'occurred_at out of range'
            when typed.clean_occurred_at is null then 'missing occurred_at'
            when typed.clean_event_name is null then 'missing event_name'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.clean_event_id = conflicting_ids.clean_event_id

),

final as (

    select
        event_key,
        clean_event_id as event_id,
        clean_user_id as user_id,
        clean_customer_id as customer_id,
        clean_occurred_at as occurred_at,
        clean_event_name as event_name,
        -- the raw row as text for rejected rows only: events are the largest source
        case
            when rejection_reason is not null then {{ retention.row_as_text(raw_columns) }}
        end as raw_row,
        rejection_reason,
        row_hash,
        -- an occurred_at ahead of the run's start plus one day is out of range today, not
        -- once that day has come: the next run reads the row again
        coalesce(parsed_occurred_at > {{ retention.latest_valid_timestamp() }}, false) as depends_on_run_time,
        {{ retention.run_started_at_literal() }} as loaded_at,
        {{ settings }} as build_settings
    from checked

)

select * from final
