{#- Every distinct raw email send row, typed, with the reason it cannot be
    used (null when it can).

    A table: base_email__events, the email models, dim_customers, rejected_rows and
    the raw-row accounting test all read it: as a table the raw rows are
    parsed and de-duplicated once per run, not once per reader. -#}
{{ config(materialized='table') }}

{%- set raw = retention.raw_source('email', 'email_sends') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('email_sends') %}

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
        {{ retention.trimmed_text('send_id') }} as send_id,
        {{ retention.trimmed_text('customer_id') }} as customer_id,
        {{ retention.trimmed_text('campaign_id') }} as campaign_id,
        {{ retention.try_to_timestamp('sent_at', raw_types.sent_at) }} as parsed_sent_at,
        {{ retention.has_raw_value('sent_at', raw_types.sent_at) }} as has_raw_sent_at,
        {{ retention.row_as_text(raw_columns) }} as raw_row
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_sent_at') }} then parsed_sent_at
        end as sent_at
    from parsed

),

conflicting_ids as (

    -- a send_id on two rows that are not exact duplicates: neither is trusted
    select send_id
    from typed
    where send_id is not null
    group by send_id
    having count(*) > 1

),

final as (

    select
        typed.send_id,
        typed.customer_id,
        typed.campaign_id,
        typed.sent_at,
        typed.raw_row,
        case
            when typed.send_id is null then 'missing send_id'
            when conflicting_ids.send_id is not null then 'send_id on rows with different values'
            when typed.customer_id is null then 'missing customer_id'
            when typed.parsed_sent_at is null and typed.has_raw_sent_at then 'unparseable sent_at'
            when typed.sent_at is null and typed.has_raw_sent_at then 'sent_at out of range'
            when typed.sent_at is null then 'missing sent_at'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.send_id = conflicting_ids.send_id

)

select * from final
