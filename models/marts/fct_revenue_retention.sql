with

periods as (

    select * from {{ ref('int_periods_spined') }}

),

source_presence as (

    -- no usable subscription rows at all (an absent or empty optional source): no rows
    select distinct 1 as has_subscriptions from {{ ref('stg_billing__subscriptions') }}

),

customer_periods as (

    select * from {{ ref('int_customer_periods_from_subscriptions') }}

),

movements as (

    select
        period_grain,
        period_start,
        sum(mrr_at_start) as mrr_at_start,
        sum(mrr_at_end) as mrr_at_end,
        sum({{ retention.mrr_movement('new', 'mrr_at_start', 'mrr_at_end', 'is_new_customer') }})
            as new_mrr,
        sum({{ retention.mrr_movement('expansion', 'mrr_at_start', 'mrr_at_end', 'is_new_customer') }})
            as expansion_mrr,
        sum({{ retention.mrr_movement('contraction', 'mrr_at_start', 'mrr_at_end', 'is_new_customer') }})
            as contraction_mrr,
        sum({{ retention.mrr_movement('churned', 'mrr_at_start', 'mrr_at_end', 'is_new_customer') }})
            as churned_mrr,
        sum({{ retention.mrr_movement('reactivation', 'mrr_at_start', 'mrr_at_end', 'is_new_customer') }})
            as reactivation_mrr,
        sum(case when mrr_12_months_before_end > 0 then mrr_at_end else 0 end) as mrr_at_end_of_year_ago_customers,
        sum(mrr_12_months_before_end) as mrr_12_months_before_end,
        -- the subscriptions-basis counts behind ARPA and the formula lifetime value
        sum(case when is_customer_at_start then 1 else 0 end) as customers_at_start,
        sum(case when is_customer_at_end then 1 else 0 end) as customers_at_end,
        sum(case when is_customer_at_start and not is_customer_at_end then 1 else 0 end) as churned_customers
    from customer_periods
    group by period_grain, period_start

),

filled as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        coalesce(movements.mrr_at_start, 0) as mrr_at_start,
        coalesce(movements.mrr_at_end, 0) as mrr_at_end,
        coalesce(movements.new_mrr, 0) as new_mrr,
        coalesce(movements.expansion_mrr, 0) as expansion_mrr,
        coalesce(movements.contraction_mrr, 0) as contraction_mrr,
        coalesce(movements.churned_mrr, 0) as churned_mrr,
        coalesce(movements.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movements.mrr_at_end_of_year_ago_customers, 0) as mrr_at_end_of_year_ago_customers,
        coalesce(movements.mrr_12_months_before_end, 0) as mrr_12_months_before_end,
        coalesce(movements.customers_at_start, 0) as customers_at_start,
        coalesce(movements.customers_at_end, 0) as customers_at_end,
        coalesce(movements.churned_customers, 0) as churned_customers
    from periods
    cross join source_presence
    left join movements
        on
            periods.period_grain = movements.period_grain
            and periods.period_start = movements.period_start

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(mrr_at_start as {{ retention.type_money() }}) as mrr_at_start,
        cast(mrr_at_end as {{ retention.type_money() }}) as mrr_at_end,
        cast(new_mrr as {{ retention.type_money() }}) as new_mrr,
        cast(expansion_mrr as {{ retention.type_money() }}) as expansion_mrr,
        cast(contraction_mrr as {{ retention.type_money() }}) as contraction_mrr,
        cast(churned_mrr as {{ retention.type_money() }}) as churned_mrr,
        cast(reactivation_mrr as {{ retention.type_money() }}) as reactivation_mrr,
        cast(
            {{ retention.net_churned_mrr('churned_mrr', 'contraction_mrr', 'expansion_mrr') }}
            as {{ retention.type_money() }}
        ) as net_churned_mrr,
        {{ retention.revenue_churn_rate('(churned_mrr + contraction_mrr)', 'mrr_at_start') }}
            as gross_revenue_churn_rate,
        {{ retention.revenue_churn_rate(
            retention.net_churned_mrr('churned_mrr', 'contraction_mrr', 'expansion_mrr'), 'mrr_at_start'
        ) }} as net_revenue_churn_rate,
        {{ retention.net_revenue_retention('mrr_at_start', 'expansion_mrr', 'contraction_mrr', 'churned_mrr') }}
            as net_revenue_retention,
        {{ retention.gross_revenue_retention('mrr_at_start', 'contraction_mrr', 'churned_mrr') }}
            as gross_revenue_retention,
        {{ retention.quick_ratio('new_mrr', 'expansion_mrr', 'reactivation_mrr', 'churned_mrr', 'contraction_mrr') }}
            as quick_ratio,
        cast(mrr_12_months_before_end as {{ retention.type_money() }}) as mrr_12_months_before_end,
        {{ retention.cohort_revenue_retention('mrr_at_end_of_year_ago_customers', 'mrr_12_months_before_end') }}
            as net_revenue_retention_12m,
        {{ retention.average_revenue_per_account('mrr_at_end', 'customers_at_end') }}
            as average_revenue_per_account,
        {{ retention.annual_run_rate('mrr_at_end') }} as annual_run_rate,
        {{ retention.lifetime_value(
            retention.average_revenue_per_account('mrr_at_end', 'customers_at_end'),
            retention.churn_rate('churned_customers', 'customers_at_start'),
            'period_grain'
        ) }} as lifetime_value
    from filled

)

select * from final
