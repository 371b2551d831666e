with

customers as (

    select * from {{ ref('dim_customers') }}

),

costs as (

    select * from {{ ref('stg_marketing__acquisition_costs') }}

),

source_presence as (

    -- no usable acquisition costs at all (an absent or empty optional source): no rows
    select distinct 1 as has_costs from costs

),

acquired as (

    -- a customer is acquired in the month of their first counted order
    select
        {{ retention.period_start('month', retention.to_reporting_timestamp('first_order_at')) }}
            as acquisition_month,
        coalesce(acquisition_channel, 'unknown') as acquisition_channel,
        count(*) as acquired_customers,
        sum(lifetime_revenue) as revenue
    from customers
    where first_order_at is not null
    group by 1, 2

),

spend as (

    select
        cost_month as acquisition_month,
        channel as acquisition_channel,
        spend
    from costs

),

combined as (

    -- a month and channel with customers but no spend row had no spend
    select
        coalesce(acquired.acquisition_month, spend.acquisition_month) as acquisition_month,
        coalesce(acquired.acquisition_channel, spend.acquisition_channel) as acquisition_channel,
        coalesce(acquired.acquired_customers, 0) as acquired_customers,
        coalesce(acquired.revenue, 0) as revenue,
        coalesce(spend.spend, 0) as acquisition_spend
    from acquired
    full outer join spend
        on
            acquired.acquisition_month = spend.acquisition_month
            and acquired.acquisition_channel = spend.acquisition_channel

),

per_customer as (

    select
        combined.*,
        {{ retention.safe_divide('combined.revenue', 'combined.acquired_customers') }} as revenue_per_customer,
        {{ retention.safe_divide('combined.acquisition_spend', 'combined.acquired_customers') }}
            as acquisition_cost_per_customer
    from combined
    cross join source_presence

),

final as (

    select
        cast(acquisition_month as date) as acquisition_month,
        cast(acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast(acquired_customers as {{ dbt.type_bigint() }}) as acquired_customers,
        cast(revenue as {{ retention.type_money() }}) as revenue,
        cast(acquisition_spend as {{ retention.type_money() }}) as acquisition_spend,
        revenue_per_customer,
        acquisition_cost_per_customer,
        {{ retention.cost_based_clv('revenue_per_customer', 'acquisition_cost_per_customer') }} as cost_based_clv
    from per_customer

)

select * from final
