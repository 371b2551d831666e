{#- One row per customer with a usable customers row: the value of each
    customer segment dimension (country, acquisition_channel and each column
    named in var customer_attributes) as section 11 defines it: trimmed text,
    case kept, (unknown) when null or blank. The values are read from the raw
    table (staging normalises country and channel, and keeps no attribute);
    a customer whose distinct raw rows disagree on an attribute (rows the
    staging sees as one, which differ only in a column it does not read) has
    (unknown) for it. -#}

{%- set raw = retention.raw_source('crm', 'customers') %}
{%- set attribute_columns = retention.customer_attribute_columns(raw) %}

with

raw_customers as (

    select * from {{ raw['relation'] }}

),

trimmed as (

    select
        {{ retention.segment_value('customer_id') }} as customer_id,
        {%- for name, column in attribute_columns.items() %}
        {{ retention.segment_value(column) }} as {{ name }},
        {%- endfor %}
        {{ retention.segment_value('country') }} as country,
        {{ retention.segment_value('acquisition_channel') }} as acquisition_channel
    from raw_customers

),

raw_values as (

    -- exact duplicates count once
    select distinct * from trimmed

),

usable_customers as (

    select customer_id from {{ ref('stg_crm__customers') }}

),

final as (

    select
        raw_values.customer_id,
        {%- for name in attribute_columns %}
        {{ retention.single_segment_value('raw_values.' ~ name) }} as {{ name }},
        {%- endfor %}
        {{ retention.single_segment_value('raw_values.country') }} as country,
        {{ retention.single_segment_value('raw_values.acquisition_channel') }} as acquisition_channel
    from raw_values
    inner join usable_customers
        on raw_values.customer_id = usable_customers.customer_id
    group by raw_values.customer_id

)

select * from final
