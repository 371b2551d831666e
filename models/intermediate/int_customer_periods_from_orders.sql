{#- Orders basis: one row per (grain, period, customer) where the customer is a
    customer at the start or end of the period, is new in it, or ordered in it.
    A customer at instant t has a counted order in [t - W, t); W is one period
    of the grain unless var orders_activity_window_days sets it in days. -#}

{%- set window_days = retention.orders_activity_window_days() %}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

periods as (

    select * from {{ ref('int_periods_spined') }}

),

grains as (

    select distinct period_grain from periods

),

counted_orders as (

    select
        orders.customer_id,
        orders.ordered_at_local,
        orders.revenue
    from {{ ref('stg_shop__orders') }} as orders
    cross join reporting_window
    where orders.is_counted and orders.ordered_at_local < reporting_window.as_of_at

),

orders_in_periods as (

    select
        grains.period_grain,
        {{ retention.period_start_for_grain('grains.period_grain', 'counted_orders.ordered_at_local') }}
            as period_start,
        counted_orders.customer_id,
        count(*) as orders,
        sum(counted_orders.revenue) as revenue
    from counted_orders
    cross join grains
    group by 1, 2, 3

),

first_orders as (

    select
        customer_id,
        min(ordered_at_local) as first_order_at
    from counted_orders
    group by 1

),

new_customers as (

    select
        grains.period_grain,
        {{ retention.period_start_for_grain('grains.period_grain', 'first_orders.first_order_at') }}
            as period_start,
        first_orders.customer_id
    from first_orders
    cross join grains

),

customers_at_end as (

    {% if window_days is none -%}
    -- W = one period: a customer at the end of P ordered in P
    select
        period_grain,
        period_start,
        customer_id
    from orders_in_periods
    {%- else -%}
    -- W = {{ window_days }} days: a counted order in [end - W, end)
    select distinct
        periods.period_grain,
        periods.period_start,
        counted_orders.customer_id
    from periods
    inner join counted_orders
        on
            counted_orders.ordered_at_local < {{ retention.date_to_timestamp('periods.next_period_start') }}
            and counted_orders.ordered_at_local >= {{ retention.add_days_to_timestamp(
                -window_days, retention.date_to_timestamp('periods.next_period_start')
            ) }}
    {%- endif %}

),

customers_at_start as (

    -- the start of P is the end of the period before it
    {{ retention.values_at_boundary('customers_at_end', 'periods', 'period_start', ['customer_id']) }}

),

facts as (

    select
        period_grain,
        period_start,
        customer_id,
        0 as is_at_start,
        1 as is_at_end,
        0 as is_new,
        0 as orders,
        cast(0 as {{ retention.type_money() }}) as revenue
    from customers_at_end

    union all

    select
        period_grain,
        period_start,
        customer_id,
        1 as is_at_start,
        0 as is_at_end,
        0 as is_new,
        0 as orders,
        cast(0 as {{ retention.type_money() }}) as revenue
    from customers_at_start

    union all

    select
        period_grain,
        period_start,
        customer_id,
        0 as is_at_start,
        0 as is_at_end,
        1 as is_new,
        0 as orders,
        cast(0 as {{ retention.type_money() }}) as revenue
    from new_customers

    union all

    select
        period_grain,
        period_start,
        customer_id,
        0 as is_at_start,
        0 as is_at_end,
        0 as is_new,
        orders,
        revenue
    from orders_in_periods

),

final as (

    select
        period_grain,
        period_start,
        customer_id,
        max(is_at_start) = 1 as is_customer_at_start,
        max(is_at_end) = 1 as is_customer_at_end,
        max(is_new) = 1 as is_new_customer,
        sum(orders) as orders,
        cast(sum(revenue) as {{ retention.type_money() }}) as revenue
    from facts
    group by 1, 2, 3

)

select * from final
