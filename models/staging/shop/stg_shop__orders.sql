-- stops the run when most of the source is unusable (macros/config/usable_rows.sql)
{{ config(
    post_hook="{{ retention.check_usable_rows('orders', ref('base_shop__orders')) }}"
) }}

with

checked as (

    select * from {{ ref('base_shop__orders') }}
    where rejection_reason is null

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        {{ retention.to_reporting_timestamp('ordered_at') }} as ordered_at_local,
        status,
        status = 'completed' as is_counted,
        currency,
        exchange_rate,
        {{ retention.in_reporting_currency('original_amount', 'exchange_rate') }} as amount,
        {{ retention.in_reporting_currency('coalesce(original_refunded_amount, 0)', 'exchange_rate') }}
            as refunded_amount,
        case
            when status = 'completed'
                then {{ retention.in_reporting_currency(
                    'original_amount - coalesce(original_refunded_amount, 0)', 'exchange_rate'
                ) }}
            else cast(0 as {{ retention.type_money() }})
        end as revenue
    from checked

)

select * from final
