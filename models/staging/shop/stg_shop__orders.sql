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
        cast(original_amount * exchange_rate as {{ retention.type_money() }}) as amount,
        cast(
            coalesce(original_refunded_amount, 0) * exchange_rate as {{ retention.type_money() }}
        ) as refunded_amount,
        cast(
            case
                when status = 'completed'
                    then (original_amount - coalesce(original_refunded_amount, 0)) * exchange_rate
                else 0
            end as {{ retention.type_money() }}
        ) as revenue
    from checked

)

select * from final
