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

acquired_customers as (

    -- a customer is acquired in the month of their first counted order
    select
        customer_id,
        {{ retention.period_start('month', retention.to_reporting_timestamp('first_order_at')) }}
            as acquisition_month,
        coalesce(acquisition_channel, 'unknown') as acquisition_channel,
        lifetime_revenue
    from customers
    where first_order_at is not null

),

acquired as (

    select
        acquisition_month,
        acquisition_channel,
        count(*) as acquired_customers,
        sum(lifetime_revenue) as revenue
    from acquired_customers
    group by 1, 2

),

customer_month_revenue as (

    -- counted order revenue and the MRR at the end of each month (month grain)
    select
        customer_id,
        period_start,
        revenue
    from {{ ref('int_customer_periods_from_orders') }}
    where period_grain = 'month'

    union all

    select
        customer_id,
        period_start,
        mrr_at_end as revenue
    from {{ ref('int_customer_periods_from_subscriptions') }}
    where period_grain = 'month'

),

cohort_months as (

    -- a cohort's revenue in each month from its acquisition month (MRR before it is not counted)
    select
        acquired_customers.acquisition_month,
        acquired_customers.acquisition_channel,
        customer_month_revenue.period_start,
        sum(customer_month_revenue.revenue) as revenue
    from acquired_customers
    inner join customer_month_revenue
        on
            acquired_customers.customer_id = customer_month_revenue.customer_id
            and acquired_customers.acquisition_month <= customer_month_revenue.period_start
    group by 1, 2, 3

),

cohort_cumulative as (

    select
        acquisition_month,
        acquisition_channel,
        {{ retention.periods_between('month', 'acquisition_month', 'period_start') }}
            as months_since_acquisition,
        sum(revenue) over (
            partition by acquisition_month, acquisition_channel
            order by period_start
            rows between unbounded preceding and current row
        ) as cumulative_revenue
    from cohort_months

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
        {{ retention.customer_acquisition_cost('combined.acquisition_spend', 'combined.acquired_customers') }}
            as acquisition_cost_per_customer
    from combined
    cross join source_presence

),

payback as (

    select
        per_customer.acquisition_month,
        per_customer.acquisition_channel,
        {{ retention.months_to_payback(
            'cohort_cumulative.months_since_acquisition',
            retention.safe_divide('cohort_cumulative.cumulative_revenue', 'per_customer.acquired_customers'),
            'per_customer.acquisition_cost_per_customer'
        ) }} as months_to_payback
    from per_customer
    inner join cohort_cumulative
        on
            per_customer.acquisition_month = cohort_cumulative.acquisition_month
            and per_customer.acquisition_channel = cohort_cumulative.acquisition_channel
    group by 1, 2

),

final as (

    select
        cast(per_customer.acquisition_month as date) as acquisition_month,
        cast(per_customer.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast(per_customer.acquired_customers as {{ dbt.type_bigint() }}) as acquired_customers,
        cast(per_customer.revenue as {{ retention.type_money() }}) as revenue,
        cast(per_customer.acquisition_spend as {{ retention.type_money() }}) as acquisition_spend,
        per_customer.revenue_per_customer,
        per_customer.acquisition_cost_per_customer,
        {{ retention.cost_based_clv(
            'per_customer.revenue_per_customer', 'per_customer.acquisition_cost_per_customer'
        ) }}
            as cost_based_clv,
        per_customer.acquisition_cost_per_customer as customer_acquisition_cost,
        cast(payback.months_to_payback as {{ dbt.type_int() }}) as months_to_payback
    from per_customer
    left join payback
        on
            per_customer.acquisition_month = payback.acquisition_month
            and per_customer.acquisition_channel = payback.acquisition_channel

)

select * from final
