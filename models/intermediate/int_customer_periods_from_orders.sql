{#- Orders basis: one row per (grain, period, customer) where the customer is a
    customer at the start or end of the period, is new in it, or ordered in it.
    A customer at instant t has a counted order in [t - W, t); W is one period
    of the grain unless var orders_activity_window_days sets it in days.

    Incremental: per grain, the pre-hook deletes the periods from the first one
    whose orders, revenue or new customers differ from int_counted_orders_sequenced
    (a change at any age), and at least from the last stored period (it was
    incomplete) and the as-of period (the as-of date may have moved back). The
    model then builds every period after the last one it still holds. First
    orders come from full history; the customers at the start of the first
    rebuilt period are the stored customers at the end of the period before. -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="
        {% if is_incremental() %}
        delete from {{ this }} as stored_rows
        where exists (
            select 1
            from (
                select
                    stored.period_grain,
                    least(
                        stored.last_period_start,
                        {{ retention.period_start_for_grain('stored.period_grain', 'reporting_window.as_of_date') }},
                        coalesce(changed.first_changed_period_start, stored.last_period_start)
                    ) as first_period_start
                from (
                    select period_grain, max(period_start) as last_period_start
                    from {{ this }}
                    group by 1
                ) as stored
                cross join {{ ref('int_reporting_window') }} as reporting_window
                left join (
                    select period_grain, min(period_start) as first_changed_period_start
                    from (
                        (
                            select
                                grains.period_grain,
                                {{ retention.period_start_for_grain('grains.period_grain', 'orders.ordered_at_local') }}
                                    as period_start,
                                orders.customer_id,
                                count(*) as orders,
                                sum(orders.revenue) as revenue,
                                max(case when orders.order_number = 1 then 1 else 0 end) as is_new
                            from {{ ref('int_counted_orders_sequenced') }} as orders
                            cross join (select distinct period_grain from {{ this }}) as grains
                            group by 1, 2, 3
                            except
                            select
                                period_grain, period_start, customer_id, orders, revenue,
                                case when is_new_customer then 1 else 0 end
                            from {{ this }}
                            where orders > 0 or is_new_customer
                        )
                        union all
                        (
                            select
                                period_grain, period_start, customer_id, orders, revenue,
                                case when is_new_customer then 1 else 0 end
                            from {{ this }}
                            where orders > 0 or is_new_customer
                            except
                            select
                                grains.period_grain,
                                {{ retention.period_start_for_grain('grains.period_grain', 'orders.ordered_at_local') }},
                                orders.customer_id,
                                count(*),
                                sum(orders.revenue),
                                max(case when orders.order_number = 1 then 1 else 0 end)
                            from {{ ref('int_counted_orders_sequenced') }} as orders
                            cross join (select distinct period_grain from {{ this }}) as grains
                            group by 1, 2, 3
                        )
                    ) as differing
                    group by 1
                ) as changed
                    on stored.period_grain = changed.period_grain
            ) as first_periods
            where
                first_periods.period_grain = stored_rows.period_grain
                and stored_rows.period_start >= first_periods.first_period_start
        )
        {% else %}
        select 1
        {% endif %}
    ",
) }}

{%- set window_days = retention.orders_activity_window_days() %}
{%- set settings = retention.incremental_guard(
    ['reporting_timezone', 'period_grains', 'orders_activity_window_days']
) %}

-- depends_on: {{ ref('int_reporting_window') }}

with

all_periods as (

    select * from {{ ref('int_periods_spined') }}

),

{% if is_incremental() -%}
stored_periods as (

    -- after the pre-hook, every stored period is current
    select
        period_grain,
        max(period_start) as last_stored_period_start
    from {{ this }}
    group by 1

),

periods as (

    -- every period after the last one stored
    select all_periods.*
    from all_periods
    left join stored_periods
        on all_periods.period_grain = stored_periods.period_grain
    where
        stored_periods.last_stored_period_start is null
        or all_periods.period_start > stored_periods.last_stored_period_start

),

first_periods as (

    select
        period_grain,
        min(period_start) as first_period_start
    from periods
    group by 1

),

{% else -%}
periods as (

    select * from all_periods

),

{% endif -%}
grains as (

    select distinct period_grain from all_periods

),

all_counted_orders as (

    -- counted orders before the as-of instant, each with its order number
    select
        customer_id,
        ordered_at_local,
        revenue,
        order_number
    from {{ ref('int_counted_orders_sequenced') }}

),

counted_orders as (

    select * from all_counted_orders
    {%- if is_incremental() %}
    -- orders the rebuilt periods (and their activity windows) can see
    where ordered_at_local >= (
        select min({{ retention.add_days_to_timestamp(
            -(window_days or 0), retention.date_to_timestamp('first_period_start')
        ) }})
        from first_periods
    )
    {%- endif %}

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
    {%- if is_incremental() %}
    inner join first_periods
        on
            grains.period_grain = first_periods.period_grain
            and counted_orders.ordered_at_local >= {{ retention.date_to_timestamp('first_periods.first_period_start') }}
    {%- endif %}
    group by 1, 2, 3

),

orders_in_periods as (

    {{ retention.rows_in_periods('orders_in_periods_of_grains', 'periods') }}

),

first_orders as (

    -- from full history, never from the rebuilt slice; the first order in
    -- elapsed time, whose local period is the period of the earliest local time
    select
        customer_id,
        ordered_at_local as first_order_at
    from all_counted_orders
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

    {{ retention.rows_in_periods('new_customers_of_grains', 'periods') }}

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

customers_at_boundaries as (

    select * from customers_at_end
    {%- if is_incremental() %}

    union all

    -- the period before the first rebuilt one, as stored
    select
        stored.period_grain,
        stored.period_start,
        stored.customer_id
    from {{ this }} as stored
    inner join first_periods
        on
            stored.period_grain = first_periods.period_grain
            and stored.period_start < first_periods.first_period_start
    inner join all_periods
        on
            stored.period_grain = all_periods.period_grain
            and stored.period_start = all_periods.period_start
            and all_periods.next_period_start = first_periods.first_period_start
    where stored.is_customer_at_end
    {%- endif %}

),

customers_at_start_of_grains as (

    -- the start of P is the end of the period before it
    {{ retention.values_at_boundary('customers_at_boundaries', 'all_periods', 'period_start', ['customer_id']) }}

),

customers_at_start as (

    {{ retention.rows_in_periods('customers_at_start_of_grains', 'periods') }}

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
        cast(sum(revenue) as {{ retention.type_money() }}) as revenue,
        {{ settings }} as build_settings
    from facts
    group by 1, 2, 3

)

select * from final
