{#- Every distinct raw NPS response row, typed, with the reason it cannot be
    used (null when it can). A score is never clipped: anything but a whole
    number from 0 to 10 is rejected.

    A table: fct_nps, dim_customers, rejected_rows and the raw-row accounting test
    read it: as a table the raw rows are parsed once per run, not once per
    reader. -#}
{{ config(materialized='table') }}

{%- set raw = retention.raw_source('survey', 'nps_responses') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('nps_responses') %}

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
        {{ retention.trimmed_text('response_id') }} as response_id,
        {{ retention.trimmed_text('customer_id') }} as customer_id,
        {{ retention.try_to_timestamp('responded_at', raw_types.responded_at) }} as parsed_responded_at,
        {{ retention.try_to_number('score', raw_types.score) }} as parsed_score,
        {{ retention.has_raw_value('responded_at', raw_types.responded_at) }} as has_raw_responded_at,
        {{ retention.has_raw_value('score', raw_types.score) }} as has_raw_score,
        {{ retention.row_as_text(raw_columns) }} as raw_row
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_responded_at') }} then parsed_responded_at
        end as responded_at,
        -- NaN fails every comparison, so it is never a score
        case
            when parsed_score >= 0 and parsed_score <= 10 and parsed_score = floor(parsed_score)
                then cast(parsed_score as {{ dbt.type_int() }})
        end as score
    from parsed

),

conflicting_ids as (

    -- a response_id on two rows that are not exact duplicates: neither is trusted
    select response_id
    from typed
    where response_id is not null
    group by response_id
    having count(*) > 1

),

final as (

    select
        typed.response_id,
        typed.customer_id,
        typed.responded_at,
        typed.score,
        typed.raw_row,
        case
            when typed.response_id is null then 'missing response_id'
            when conflicting_ids.response_id is not null then 'response_id on rows with different values'
            when typed.parsed_responded_at is null and typed.has_raw_responded_at then 'unparseable responded_at'
            when typed.responded_at is null and typed.has_raw_responded_at then 'responded_at out of range'
            when typed.responded_at is null then 'missing responded_at'
            when not typed.has_raw_score then 'missing score'
            when typed.parsed_score is null then 'unparseable score'
            when typed.score is null then 'score not a whole number from 0 to 10'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.response_id = conflicting_ids.response_id

)

select * from final
