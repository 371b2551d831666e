{#- Every distinct raw event row, typed, with the reason it cannot be used
    (null when it can). stg_product__events keeps the usable rows;
    rejected_rows publishes the others.

    A table: the engagement models, dim_customers, rejected_rows and the raw-row
    accounting test all read it, and events are the largest source: as a table
    the raw rows are parsed and de-duplicated once per run, not once per reader. -#}
{{ config(materialized='table') }}

{%- set raw = retention.raw_source('product', 'events') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('events') %}

with

source as (

    select * from {{ raw['relation'] }}

),

deduplicated as (

    -- exact duplicate rows count once
    select distinct {{ raw_columns | join(', ') }}
    from source

),

parsed as (

    select
        {{ retention.trimmed_text('event_id') }} as clean_event_id,
        {{ retention.trimmed_text('user_id') }} as clean_user_id,
        {{ retention.trimmed_text('customer_id') }} as clean_customer_id,
        {{ retention.try_to_timestamp('occurred_at', raw_types.occurred_at) }} as parsed_occurred_at,
        {{ retention.trimmed_text('event_name') }} as clean_event_name,
        {{ retention.has_raw_value('occurred_at', raw_types.occurred_at) }} as has_raw_occurred_at,
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
        clean_event_id as event_id,
        clean_user_id as user_id,
        clean_customer_id as customer_id,
        clean_occurred_at as occurred_at,
        clean_event_name as event_name,
        -- the raw row as text for rejected rows only: events are the largest source
        case
            when rejection_reason is not null then {{ retention.row_as_text(raw_columns) }}
        end as raw_row,
        rejection_reason
    from checked

)

select * from final
