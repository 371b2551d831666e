with

orders as (

    select * from {{ ref('int_counted_orders_sequenced') }}

),

all_customers as (

    select count(distinct customer_id) as customers from orders

),

by_order_number as (

    select
        'order_number' as sequence_type,
        order_number as sequence_number,
        count(*) as orders,
        count(distinct customer_id) as customers,
        sum(revenue) as revenue
    from orders
    group by 1, 2

),

by_months_since_first_order as (

    select
        'months_since_first_order' as sequence_type,
        months_since_first_order as sequence_number,
        count(*) as orders,
        count(distinct customer_id) as customers,
        sum(revenue) as revenue
    from orders
    group by 1, 2

),

sequences as (

    select * from by_order_number
    union all
    select * from by_months_since_first_order

),

final as (

    select
        cast(sequences.sequence_type as {{ dbt.type_string() }}) as sequence_type,
        cast(sequences.sequence_number as {{ dbt.type_bigint() }}) as sequence_number,
        cast(sequences.orders as {{ dbt.type_bigint() }}) as orders,
        cast(sequences.customers as {{ dbt.type_bigint() }}) as customers,
        cast(sequences.revenue as {{ retention.type_money() }}) as revenue,
        {{ retention.average_order_value('sequences.revenue', 'sequences.orders') }} as average_order_value,
        {{ retention.safe_divide('sequences.revenue', 'sequences.customers') }} as revenue_per_customer,
        {{ retention.safe_divide('sequences.customers', 'all_customers.customers') }} as share_of_customers
    from sequences
    cross join all_customers

)

select * from final
