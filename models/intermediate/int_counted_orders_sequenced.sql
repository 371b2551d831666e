{#- Counted orders placed before the as-of instant, each with its place in the
    customer's sequence: order number, calendar months since the customer's
    first counted order, and days since their previous counted order.

    Incremental: the pre-hook deletes every customer whose stored orders differ
    from the counted orders of stg_shop__orders (an order added, changed,
    refunded or deleted, at any age); the model then sequences, from their full
    history, the customers with a counted order it does not hold. Order
    numbers and first orders never come from a slice. -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="
        {% if is_incremental() %}
        delete from {{ this }}
        where customer_id in (
            select changed.customer_id
            from (
                (
                    select order_id, customer_id, ordered_at, revenue from {{ this }}
                    except
                    select orders.order_id, orders.customer_id, orders.ordered_at, orders.revenue
                    from {{ ref('stg_shop__orders') }} as orders
                    inner join {{ ref('int_reporting_window') }} as reporting_window
                        on orders.ordered_at_local < reporting_window.as_of_at
                    where orders.is_counted
                )
                union all
                (
                    select orders.order_id, orders.customer_id, orders.ordered_at, orders.revenue
                    from {{ ref('stg_shop__orders') }} as orders
                    inner join {{ ref('int_reporting_window') }} as reporting_window
                        on orders.ordered_at_local < reporting_window.as_of_at
                    where orders.is_counted
                    except
                    select order_id, customer_id, ordered_at, revenue from {{ this }}
                )
            ) as changed
        )
        {% else %}
        select 1
        {% endif %}
    ",
) }}

{%- set settings = retention.incremental_guard(['reporting_timezone', 'as_of_date']) %}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

counted_orders as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.ordered_at_local,
        orders.revenue
    from {{ ref('stg_shop__orders') }} as orders
    inner join reporting_window
        on orders.ordered_at_local < reporting_window.as_of_at
    where orders.is_counted

),

{% if is_incremental() -%}
customers_to_sequence as (

    -- customers with a counted order this table does not hold as it is (the
    -- pre-hook deleted every changed customer's rows): all of their orders
    select distinct counted_orders.customer_id
    from counted_orders
    left join {{ this }} as stored
        on
            counted_orders.order_id = stored.order_id
            and counted_orders.customer_id = stored.customer_id
            and counted_orders.ordered_at = stored.ordered_at
            and counted_orders.revenue = stored.revenue
    where stored.order_id is null

),

{% endif -%}

sequenced as (

    select
        order_id,
        customer_id,
        ordered_at,
        ordered_at_local,
        revenue,
        -- sequence and gaps follow elapsed (UTC) time; only calendar months use local time
        row_number() over (partition by customer_id order by ordered_at, order_id) as order_number,
        first_value(ordered_at_local) over (
            partition by customer_id order by ordered_at, order_id
            rows between unbounded preceding and unbounded following
        ) as first_ordered_at_local,
        lag(ordered_at) over (partition by customer_id order by ordered_at, order_id) as previous_ordered_at
    from counted_orders
    {%- if is_incremental() %}
    where customer_id in (select customers_to_sequence.customer_id from customers_to_sequence)
    {%- endif %}

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        ordered_at_local,
        revenue,
        order_number,
        {{ retention.periods_between(
            'month',
            retention.period_start('month', 'first_ordered_at_local'),
            retention.period_start('month', 'ordered_at_local')
        ) }} as months_since_first_order,
        {{ retention.days_between('previous_ordered_at', 'ordered_at') }} as days_since_previous_order,
        {{ settings }} as build_settings
    from sequenced

)

select * from final
