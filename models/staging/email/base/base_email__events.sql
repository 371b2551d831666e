{#- Every distinct raw email event row, typed, with the reason it cannot be
    used (null when it can). An event must belong to a usable send and cannot
    happen before it.

    A table: the email models, rejected_rows and the raw-row accounting test read it:
    as a table the raw rows are parsed and de-duplicated once per run, not
    once per reader. -#}
{{ config(materialized='table') }}

{%- set raw = retention.raw_source('email', 'email_events') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('email_events') %}

with

source as (

    select * from {{ raw['relation'] }}

),

sends as (

    select
        send_id,
        sent_at
    from {{ ref('base_email__sends') }}
    where rejection_reason is null

),

deduplicated as (

    -- exact duplicate rows count once
    select distinct {{ raw_columns | join(', ') }}
    from source

),

parsed as (

    select
        {{ retention.trimmed_text('send_id') }} as send_id,
        lower({{ retention.trimmed_text('event_type') }}) as event_type,
        {{ retention.try_to_timestamp('occurred_at', raw_types.occurred_at) }} as parsed_occurred_at,
        {{ retention.try_to_boolean('is_machine_open', raw_types.is_machine_open) }} as is_machine_open,
        {{ retention.has_raw_value('occurred_at', raw_types.occurred_at) }} as has_raw_occurred_at,
        {{ retention.has_raw_value('is_machine_open', raw_types.is_machine_open) }} as has_raw_is_machine_open,
        {{ retention.row_as_text(raw_columns) }} as raw_row
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_occurred_at') }} then parsed_occurred_at
        end as occurred_at
    from parsed

),

final as (

    select
        typed.send_id,
        typed.event_type,
        typed.occurred_at,
        typed.is_machine_open,
        typed.raw_row,
        case
            when typed.send_id is null then 'missing send_id'
            when typed.parsed_occurred_at is null and typed.has_raw_occurred_at then 'unparseable occurred_at'
            when typed.occurred_at is null and typed.has_raw_occurred_at then 'occurred_at out of range'
            when typed.occurred_at is null then 'missing occurred_at'
            when typed.event_type is null then 'missing event_type'
            when typed.event_type not in ('delivered', 'bounce', 'open', 'click', 'unsubscribe', 'spam_complaint')
                then 'unknown event_type'
            when typed.is_machine_open is null and typed.has_raw_is_machine_open then 'unparseable is_machine_open'
            when sends.send_id is null then 'send_id without a send'
            when typed.occurred_at < sends.sent_at then 'event before its send'
        end as rejection_reason
    from typed
    left join sends
        on typed.send_id = sends.send_id

)

select * from final
