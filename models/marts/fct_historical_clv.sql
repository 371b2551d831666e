with

order_metrics as (

    select * from {{ ref('fct_order_metrics') }}

),

orders_retention as (

    select * from {{ ref('fct_customer_retention') }}
    where basis = 'orders'

),

final as (

    select
        order_metrics.period_grain,
        order_metrics.period_start,
        order_metrics.period_end,
        order_metrics.is_complete_period,
        order_metrics.average_order_value,
        order_metrics.purchase_frequency,
        orders_retention.customer_churn_rate,
        {{ retention.safe_divide('1', 'orders_retention.customer_churn_rate') }} as expected_lifespan_periods,
        {{ retention.historical_clv(
            'order_metrics.average_order_value',
            'order_metrics.purchase_frequency',
            'orders_retention.customer_churn_rate'
        ) }} as historical_clv
    from order_metrics
    inner join orders_retention
        on
            order_metrics.period_grain = orders_retention.period_grain
            and order_metrics.period_start = orders_retention.period_start

)

select * from final
