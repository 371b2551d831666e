{#- Every distinct raw acquisition cost row with the reason it cannot be used
    (null when it can). -#}

with

source as (

    select * from {{ retention.raw_relation('marketing', 'acquisition_costs') }}

),

deduplicated as (

    -- exact duplicate rows count once
    select distinct
        month,
        channel,
        spend
    from source

),

typed as (

    select
        {{ retention.period_start('month', dbt.safe_cast('month', 'date')) }} as cost_month,
        nullif(lower(trim(cast(channel as {{ dbt.type_string() }}))), '') as channel,
        {{ dbt.safe_cast('spend', retention.type_money()) }} as spend,
        {{ retention.row_as_text(['month', 'channel', 'spend']) }} as raw_row,
        month is not null as has_raw_month,
        spend is not null as has_raw_spend
    from deduplicated

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
            when typed.cost_month is null and typed.has_raw_month then 'unparseable month'
            when typed.cost_month is null then 'missing month'
            when typed.channel is null then 'missing channel'
            when conflicting_keys.channel is not null then 'month and channel on rows with different values'
            when typed.spend is null and typed.has_raw_spend then 'unparseable spend'
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
