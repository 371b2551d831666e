{#- Every distinct raw customer row with the reason it cannot be used (null
    when it can). A table, not a view: with RETENTION_EMAIL_HASH_KEY set, the
    keyed hash's SQL holds material derived from the key, which a view would
    keep in the warehouse catalog for anyone who can read view definitions. -#}

{{ config(materialized='table') }}

{%- set raw = retention.raw_source('crm', 'customers') %}
{%- set raw_types = raw['types'] %}

with

source as (

    select * from {{ raw['relation'] }}

),

deduplicated as (

    -- exact duplicate rows count once
    select distinct {{ retention.raw_column_names('customers') | join(', ') }}
    from source

),

parsed as (

    select
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        {{ retention.try_to_timestamp('created_at', raw_types.created_at) }} as parsed_created_at,
        nullif(upper(trim(cast(country as {{ dbt.type_string() }}))), '') as country,
        nullif(lower(trim(cast(acquisition_channel as {{ dbt.type_string() }}))), '') as acquisition_channel,
        {{ retention.hash_personal_data('cast(email as ' ~ dbt.type_string() ~ ')') }} as email_hash,
        {#- the raw row is kept for the audit trail without the email address -#}
        {{ retention.row_as_text(
            retention.raw_column_names('customers') | reject('equalto', 'email') | list
        ) }} as raw_row,
        {{ retention.has_raw_value('created_at', raw_types.created_at) }} as has_raw_created_at
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range('parsed_created_at') }} then parsed_created_at
        end as created_at
    from parsed

),

conflicting_ids as (

    select customer_id
    from typed
    where customer_id is not null
    group by customer_id
    having count(*) > 1

),

final as (

    select
        typed.customer_id,
        typed.created_at,
        typed.country,
        typed.acquisition_channel,
        typed.email_hash,
        typed.raw_row,
        case
            when typed.customer_id is null then 'missing customer_id'
            when conflicting_ids.customer_id is not null then 'customer_id on rows with different values'
            when typed.parsed_created_at is null and typed.has_raw_created_at then 'unparseable created_at'
            when typed.created_at is null and typed.has_raw_created_at then 'created_at out of range'
        end as rejection_reason
    from typed
    left join conflicting_ids
        on typed.customer_id = conflicting_ids.customer_id

)

select * from final
