-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('acquisition_costs', ref('base_marketing__acquisition_costs')) }}"
) }}

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
