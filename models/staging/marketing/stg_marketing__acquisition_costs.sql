with

checked as (

    select * from {{ ref('base_marketing__acquisition_costs') }}
    where rejection_reason is null

),

final as (

    select
        cost_month,
        channel,
        spend
    from checked

)

select * from final
