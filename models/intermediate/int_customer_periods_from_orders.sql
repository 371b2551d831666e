{#- Orders basis: one row per (grain, period, customer) where the customer is a
    customer at the start or end of the period, is new in it, or ordered in it.
    A customer at instant t has a counted order in [t - W, t); W is one period
    of the grain unless var orders_activity_window_days sets it in days.

    A table, rebuilt in full on every run: the year grain's current period
    holds up to a year of orders, so rebuilding from the first changed period
    saved about a tenth of the model's time at ten million orders (README,
    Benchmark), less than its complexity cost. -#}

{{ config(materialized='table') }}

{%- set window_days = retention.orders_activity_window_days() %}

with

all_periods as (

    select * from {{ ref('int_periods_spined') }}

),

grains as (

    select distinct period_grain from all_periods

),

counted_orders as (

    -- counted orders before the as-of instant, each with its order number
    select
        customer_id,
        ordered_at_local,
        revenue,
        order_number
    from {{ ref('int_counted_orders_sequenced') }}

),

orders_in_periods_of_grains as (

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

orders_in_periods as (

    {{ retention.rows_in_periods('orders_in_periods_of_grains', 'all_periods') }}

),

first_orders as (

    -- from full history, never from the rebuilt slice; the first order in
    -- elapsed time, whose local period is the period of the earliest local time
    select
        customer_id,
        ordered_at_local as first_order_at
    from counted_orders
    where order_number = 1

),

new_customers_of_grains as (

    select
        grains.period_grain,
        {{ retention.period_start_for_grain('grains.period_grain', 'first_orders.first_order_at') }}
            as period_start,
        first_orders.customer_id
    from first_orders
    cross join grains

),

new_customers as (

    {{ retention.rows_in_periods('new_customers_of_grains', 'all_periods') }}

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
        all_periods.period_grain,
        all_periods.period_start,
        counted_orders.customer_id
    from all_periods
    inner join counted_orders
        on
            counted_orders.ordered_at_local < {{ retention.date_to_timestamp('all_periods.next_period_start') }}
            and counted_orders.ordered_at_local >= {{ retention.add_days_to_timestamp(
                -window_days, retention.date_to_timestamp('all_periods.next_period_start')
            ) }}
    {%- endif %}

),

customers_at_start_of_grains as (

    -- the start of P is the end of the period before it
    {{ retention.values_at_boundary('customers_at_end', 'all_periods', 'period_start', ['customer_id']) }}

),

customers_at_start as (

    {{ retention.rows_in_periods('customers_at_start_of_grains', 'all_periods') }}

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
