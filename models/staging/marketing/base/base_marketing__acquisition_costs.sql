{#- Every distinct raw acquisition cost row with the reason it cannot be used
    (null when it can). -#}

{%- set raw = retention.raw_source('marketing', 'acquisition_costs') %}
{%- set raw_types = raw['types'] %}
{%- set raw_columns = retention.raw_column_names('acquisition_costs') %}

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
        {{ retention.try_to_date('month', raw_types.month) }} as parsed_month,
        nullif(lower(trim(cast(channel as {{ dbt.type_string() }}))), '') as channel,
        {{ retention.try_to_number('spend', raw_types.spend) }} as parsed_spend,
        {{ retention.try_to_money('spend', raw_types.spend) }} as spend,
        {{ retention.row_as_text(raw_columns) }} as raw_row,
        {{ retention.has_raw_value('month', raw_types.month) }} as has_raw_month,
        {{ retention.has_raw_value('spend', raw_types.spend) }} as has_raw_spend
    from deduplicated

),

typed as (

    select
        *,
        case
            when {{ retention.timestamp_in_range(retention.date_to_timestamp('parsed_month')) }}
                then {{ retention.period_start('month', 'parsed_month') }}
        end as cost_month
    from parsed

),

conflicting_keys as (

    select
        cost_month,
        channel
    from typed
    where cost_month is not null and channel is not null
    group by 1, 2
    having count(*) > 1

),

final as (

    select
        typed.cost_month,
        typed.channel,
        typed.spend,
        typed.raw_row,
        case
            when typed.parsed_month is null and typed.has_raw_month then 'unparseable month'
            when typed.cost_month is null and typed.has_raw_month then 'month out of range'
            when typed.cost_month is null then 'missing month'
            when typed.channel is null then 'missing channel'
            when conflicting_keys.channel is not null then 'month and channel on rows with different values'
            when typed.parsed_spend is null and typed.has_raw_spend then 'unparseable spend'
            when typed.spend is null and typed.has_raw_spend then 'spend out of range'
            when typed.spend is null then 'missing spend'
            when typed.spend < 0 then 'negative spend'
        end as rejection_reason
    from typed
    left join conflicting_keys
        on
            typed.cost_month = conflicting_keys.cost_month
            and typed.channel = conflicting_keys.channel

)

select * from final
