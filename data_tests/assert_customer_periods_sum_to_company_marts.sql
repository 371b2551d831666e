-- fct_customer_periods summed over each (basis, period_grain, period_start)
-- equals the company-level marts: returns each period where a sum differs.
with

customer_period_sums as (

    select
        {%- for column, aggregate in retention.customer_period_sums().items() %}
        {{ aggregate }} as {{ column }},
        {%- endfor %}
        basis,
        period_grain,
        period_start
    from {{ ref('fct_customer_periods') }}
    group by basis, period_grain, period_start

),

company as (

    select
        customer_retention.basis,
        customer_retention.period_grain,
        customer_retention.period_start,
        customer_retention.customers_at_start,
        customer_retention.customers_at_end,
        customer_retention.new_customers,
        customer_retention.retained_customers,
        customer_retention.churned_customers,
        customer_retention.reactivated_customers,
        revenue_retention.mrr_at_start,
        revenue_retention.mrr_at_end,
        revenue_retention.new_mrr,
        revenue_retention.expansion_mrr,
        revenue_retention.contraction_mrr,
        revenue_retention.churned_mrr,
        revenue_retention.reactivation_mrr,
        revenue_retention.mrr_12_months_before_end,
        order_metrics.orders,
        order_metrics.ordering_customers,
        order_metrics.revenue,
        order_metrics.repeat_customers,
        order_metrics.returning_customers
    from {{ ref('fct_customer_retention') }} as customer_retention
    left join {{ ref('fct_revenue_retention') }} as revenue_retention
        on
            customer_retention.basis = 'subscriptions'
            and customer_retention.period_grain = revenue_retention.period_grain
            and customer_retention.period_start = revenue_retention.period_start
    left join {{ ref('fct_order_metrics') }} as order_metrics
        on
            customer_retention.basis = 'orders'
            and customer_retention.period_grain = order_metrics.period_grain
            and customer_retention.period_start = order_metrics.period_start

)

select
    company.basis,
    company.period_grain,
    company.period_start,
    'sums differ' as problem
from company
left join customer_period_sums as sums
    on
        company.basis = sums.basis
        and company.period_grain = sums.period_grain
        and company.period_start = sums.period_start
where
    -- a quiet period has no customer rows: every company count and sum is then zero.
    -- The other basis's columns are null in company (its mart is joined on one basis
    -- only), so they compare as null and never flag a row.
    {%- for column in retention.customer_period_sums() %}
    {{ 'or ' if not loop.first }}coalesce(sums.{{ column }}, 0) <> company.{{ column }}
    {%- endfor %}

union all

select
    sums.basis,
    sums.period_grain,
    sums.period_start,
    'customer rows in a period the company marts do not have' as problem
from customer_period_sums as sums
left join company
    on
        sums.basis = company.basis
        and sums.period_grain = company.period_grain
        and sums.period_start = company.period_start
where company.basis is null
