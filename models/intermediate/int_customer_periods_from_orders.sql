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
{#- with W = one period, the customers at a period's end are the ones who
    ordered in it -#}
{%- set end_set = 'orders_in_periods' if window_days is none else 'customers_at_end' %}
{%- set key_sets = ['orders_in_periods', 'customers_at_start']
    + ([] if window_days is none else ['customers_at_end']) %}

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
        sum(counted_orders.revenue) as revenue,
        -- new in the period of their first counted order
        min(counted_orders.order_number) = 1 as is_new_customer
    from counted_orders
    cross join grains
    group by 1, 2, 3

),

orders_in_periods as (

    {{ retention.rows_in_periods('orders_in_periods_of_grains', 'all_periods') }}

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

final as (

    -- one row per key from the row sets it appears in, joined rather than
    -- unioned and grouped: at ten million orders the join took half the time
    select
        {%- for column in ['period_grain', 'period_start', 'customer_id'] %}
        coalesce({{ key_sets | join('.' ~ column ~ ', ') }}.{{ column }}) as {{ column }},
        {%- endfor %}
        customers_at_start.customer_id is not null as is_customer_at_start,
        {{ end_set }}.customer_id is not null as is_customer_at_end,
        coalesce(orders_in_periods.is_new_customer, false) as is_new_customer,
        coalesce(orders_in_periods.orders, 0) as orders,
        cast(coalesce(orders_in_periods.revenue, 0) as {{ retention.type_money() }}) as revenue
    from orders_in_periods
    full outer join customers_at_start
        on
            orders_in_periods.period_grain = customers_at_start.period_grain
            and orders_in_periods.period_start = customers_at_start.period_start
            and orders_in_periods.customer_id = customers_at_start.customer_id
    {%- if window_days is not none %}
    full outer join customers_at_end
        on
            coalesce(orders_in_periods.period_grain, customers_at_start.period_grain) = customers_at_end.period_grain
            and coalesce(orders_in_periods.period_start, customers_at_start.period_start)
            = customers_at_end.period_start
            and coalesce(orders_in_periods.customer_id, customers_at_start.customer_id) = customers_at_end.customer_id
    {%- endif %}

)

select * from final
