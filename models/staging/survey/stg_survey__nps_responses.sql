-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('nps_responses', ref('base_survey__nps_responses')) }}"
) }}

with

checked as (

    select * from {{ ref('base_survey__nps_responses') }}
    where rejection_reason is null

),

final as (

    select
        response_id,
        customer_id,
        responded_at,
        {{ retention.to_reporting_timestamp('responded_at') }} as responded_at_local,
        score,
        {{ retention.nps_category('score') }} as nps_category
    from checked

)

select * from final
