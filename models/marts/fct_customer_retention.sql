with

periods as (

    select * from {{ ref('int_periods_spined') }}

),

bases as (

    -- a basis gets rows only when its source has usable rows, so an absent or
    -- empty optional source gives no rows instead of a series of zeros
    select distinct 'orders' as basis from {{ ref('stg_shop__orders') }}
    union all
    select distinct 'subscriptions' as basis from {{ ref('stg_billing__subscriptions') }}

),

customer_periods as (

    select
        'orders' as basis,
        period_grain,
        period_start,
        is_customer_at_start,
        is_customer_at_end,
        is_new_customer
    from {{ ref('int_customer_periods_from_orders') }}

    union all

    select
        'subscriptions' as basis,
        period_grain,
        period_start,
        is_customer_at_start,
        is_customer_at_end,
        is_new_customer
    from {{ ref('int_customer_periods_from_subscriptions') }}

),

counts as (

    select
        basis,
        period_grain,
        period_start,
        sum(case when is_customer_at_start then 1 else 0 end) as customers_at_start,
        sum(case when is_customer_at_end then 1 else 0 end) as customers_at_end,
        sum(case when is_new_customer then 1 else 0 end) as new_customers,
        sum(case when is_customer_at_start and is_customer_at_end then 1 else 0 end) as retained_customers,
        sum(
            case when is_customer_at_end and not is_customer_at_start and not is_new_customer then 1 else 0 end
        ) as reactivated_customers
    from customer_periods
    group by basis, period_grain, period_start

),

filled as (

    -- every period gets a row for each basis, with zeros when it is quiet
    select
        bases.basis,
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        coalesce(counts.customers_at_start, 0) as customers_at_start,
        coalesce(counts.customers_at_end, 0) as customers_at_end,
        coalesce(counts.new_customers, 0) as new_customers,
        coalesce(counts.retained_customers, 0) as retained_customers,
        coalesce(counts.reactivated_customers, 0) as reactivated_customers
    from periods
    cross join bases
    left join counts
        on
            bases.basis = counts.basis
            and periods.period_grain = counts.period_grain
            and periods.period_start = counts.period_start

),

final as (

    select
        cast(basis as {{ dbt.type_string() }}) as basis,
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(customers_at_start as {{ dbt.type_bigint() }}) as customers_at_start,
        cast(customers_at_end as {{ dbt.type_bigint() }}) as customers_at_end,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(retained_customers as {{ dbt.type_bigint() }}) as retained_customers,
        cast(customers_at_start - retained_customers as {{ dbt.type_bigint() }}) as churned_customers,
        cast(reactivated_customers as {{ dbt.type_bigint() }}) as reactivated_customers,
        {{ retention.customer_retention_rate('customers_at_start', 'customers_at_end', 'new_customers') }}
            as customer_retention_rate,
        {{ retention.churn_rate('(customers_at_start - retained_customers)', 'customers_at_start') }}
            as customer_churn_rate,
        {{ retention.retained_customer_rate('retained_customers', 'customers_at_start') }}
            as retained_customer_rate
    from filled

)

select * from final
