-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('events', ref('base_product__events')) }}"
) }}

with

checked as (

    select * from {{ ref('base_product__events') }}
    where rejection_reason is null

),

final as (

    select
        event_id,
        user_id,
        customer_id,
        occurred_at,
        {{ retention.to_reporting_timestamp('occurred_at') }} as occurred_at_local,
        event_name,
        {% if retention.active_event_names() is none -%}
        true
        {%- else -%}
        event_name in ('{{ retention.active_event_names() | join("', '") }}')
        {%- endif %} as is_active_event
    from checked

)

select * from final
