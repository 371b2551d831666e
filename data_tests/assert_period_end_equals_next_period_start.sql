-- E(P) = S(next P): the end of a period is the first instant of the next, so
-- customers (and MRR) at the end of one period are those at the start of the
-- next. Returns offenders.
with

customers as (

    select * from {{ ref('fct_customer_retention') }}

),

revenue as (

    select * from {{ ref('fct_revenue_retention') }}

),

customer_breaks as (

    select
        'customers' as measure,
        this_period.basis,
        this_period.period_grain,
        this_period.period_start,
        cast(this_period.customers_at_end as {{ retention.type_money() }}) as value_at_end,
        cast(next_period.customers_at_start as {{ retention.type_money() }}) as value_at_next_start
    from customers as this_period
    inner join customers as next_period
        on
            this_period.basis = next_period.basis
            and this_period.period_grain = next_period.period_grain
            and next_period.period_start = {{ dbt.dateadd('day', 1, 'this_period.period_end') }}
    where this_period.customers_at_end <> next_period.customers_at_start

),

mrr_breaks as (

    select
        'mrr' as measure,
        'subscriptions' as basis,
        this_period.period_grain,
        this_period.period_start,
        this_period.mrr_at_end as value_at_end,
        next_period.mrr_at_start as value_at_next_start
    from revenue as this_period
    inner join revenue as next_period
        on
            this_period.period_grain = next_period.period_grain
            and next_period.period_start = {{ dbt.dateadd('day', 1, 'this_period.period_end') }}
    where this_period.mrr_at_end <> next_period.mrr_at_start

)

select * from customer_breaks
union all
select * from mrr_breaks
