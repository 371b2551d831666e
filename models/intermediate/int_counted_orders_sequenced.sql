{#- Counted orders placed before the as-of instant, each with its place in the
    customer's sequence: order number, calendar months since the customer's
    first counted order, and days since their previous counted order.

    Incremental: a run deletes (pre-hook) and re-sequences every order of the
    customers that own a base order row written since the last run, from their
    full history, so order numbers and first orders never come from a slice. -#}

{{ config(
    materialized=retention.volume_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ retention.delete_changed_customers('base_shop__orders') }}",
) }}

{%- set settings = retention.incremental_guard(['reporting_timezone', 'as_of_date']) %}
{%- set watermark = retention.processed_watermark() %}

with

{% if is_incremental() -%}
changed_customers as (

    {{ retention.changed_customers(ref('base_shop__orders'), watermark) }}

),

{% endif -%}
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
    {%- if is_incremental() %}
        -- only the customers this increment re-sequences, all of their orders
        and orders.customer_id in (select changed_customers.customer_id from changed_customers)
    {%- endif %}

),

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
        {{ retention.newest_loaded_at('base_shop__orders') }} as source_loaded_at,
        {{ settings }} as build_settings
    from sequenced

)

select * from final
