with

periods as (

    select
        period_grain,
        period_start,
        period_end,
        is_complete_period,
        row_number() over (partition by period_grain order by period_start) as period_number
    from {{ ref('int_periods_spined') }}

),

customer_periods as (

    select
        'orders' as basis,
        period_grain,
        period_start,
        customer_id,
        is_new_customer,
        is_customer_at_end,
        revenue,
        cast(null as {{ retention.type_money() }}) as mrr_at_end
    from {{ ref('int_customer_periods_from_orders') }}

    union all

    select
        'subscriptions' as basis,
        period_grain,
        period_start,
        customer_id,
        is_new_customer,
        is_customer_at_end,
        cast(null as {{ retention.type_money() }}) as revenue,
        mrr_at_end
    from {{ ref('int_customer_periods_from_subscriptions') }}

),

cohort_members as (

    -- a customer's cohort is the period of their first activity on the basis
    select
        basis,
        period_grain,
        period_start as cohort_period_start,
        customer_id
    from customer_periods
    where is_new_customer

),

cohort_sizes as (

    select
        basis,
        period_grain,
        cohort_period_start,
        count(*) as cohort_customers
    from cohort_members
    group by 1, 2, 3

),

member_activity as (

    select
        cohort_members.basis,
        cohort_members.period_grain,
        cohort_members.cohort_period_start,
        customer_periods.period_start,
        sum(case when customer_periods.is_customer_at_end then 1 else 0 end) as active_customers,
        sum(customer_periods.revenue) as revenue,
        sum(customer_periods.mrr_at_end) as cohort_mrr
    from cohort_members
    inner join customer_periods
        on
            cohort_members.basis = customer_periods.basis
            and cohort_members.period_grain = customer_periods.period_grain
            and cohort_members.customer_id = customer_periods.customer_id
            and cohort_members.cohort_period_start <= customer_periods.period_start
    group by 1, 2, 3, 4

),

triangle as (

    -- every cohort gets a row for each period from its first to the last, active or not
    select
        cohort_sizes.basis,
        cohort_sizes.period_grain,
        cohort_sizes.cohort_period_start,
        cohort_sizes.cohort_customers,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        periods.period_number - cohort_periods.period_number as periods_since_first
    from cohort_sizes
    inner join periods as cohort_periods
        on
            cohort_sizes.period_grain = cohort_periods.period_grain
            and cohort_sizes.cohort_period_start = cohort_periods.period_start
    inner join periods
        on
            cohort_sizes.period_grain = periods.period_grain
            and cohort_sizes.cohort_period_start <= periods.period_start

),

filled as (

    select
        triangle.*,
        coalesce(member_activity.active_customers, 0) as active_customers,
        case
            when triangle.basis = 'orders' then coalesce(member_activity.revenue, 0)
        end as revenue,
        case
            when triangle.basis = 'subscriptions' then coalesce(member_activity.cohort_mrr, 0)
        end as cohort_mrr
    from triangle
    left join member_activity
        on
            triangle.basis = member_activity.basis
            and triangle.period_grain = member_activity.period_grain
            and triangle.cohort_period_start = member_activity.cohort_period_start
            and triangle.period_start = member_activity.period_start

),

with_running_totals as (

    select
        filled.*,
        sum(filled.revenue) over (
            partition by filled.basis, filled.period_grain, filled.cohort_period_start
            order by filled.periods_since_first
            rows between unbounded preceding and current row
        ) as cumulative_revenue,
        max(case when filled.periods_since_first = 0 then filled.cohort_mrr end) over (
            partition by filled.basis, filled.period_grain, filled.cohort_period_start
        ) as cohort_first_period_mrr
    from filled

),

final as (

    select
        cast(basis as {{ dbt.type_string() }}) as basis,
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(cohort_period_start as date) as cohort_period_start,
        cast(periods_since_first as {{ dbt.type_bigint() }}) as periods_since_first,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(cohort_customers as {{ dbt.type_bigint() }}) as cohort_customers,
        cast(active_customers as {{ dbt.type_bigint() }}) as active_customers,
        {{ retention.cohort_retention_rate('active_customers', 'cohort_customers') }} as retention_rate,
        cast(revenue as {{ retention.type_money() }}) as revenue,
        {{ retention.safe_divide('cumulative_revenue', 'cohort_customers') }} as cumulative_revenue_per_customer,
        cast(cohort_mrr as {{ retention.type_money() }}) as cohort_mrr,
        cast(cohort_first_period_mrr as {{ retention.type_money() }}) as cohort_first_period_mrr,
        {{ retention.cohort_revenue_retention('cohort_mrr', 'cohort_first_period_mrr') }}
            as cohort_net_revenue_retention
    from with_running_totals

)

select * from final
