{#- One union branch per segment dimension (var segment_dimensions; section 11). -#}
{%- set dimensions = retention.segment_dimensions() %}

with

customer_periods as (

    select * from {{ ref('fct_customer_periods') }}

),

segment_members as (

    {%- for dimension in dimensions %}
    select
        '{{ dimension }}' as segment_dimension,
        {{ dimension }} as segment_value,
        customer_periods.*
    from customer_periods
    where {{ dimension }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if dimensions | length == 0 %}
    -- no segment dimension: no rows
    select
        cast(null as {{ dbt.type_string() }}) as segment_dimension,
        cast(null as {{ dbt.type_string() }}) as segment_value,
        customer_periods.*
    from customer_periods
    where 1 = 0
    {%- endif %}

),

sums as (

    select
        basis,
        period_grain,
        period_start,
        segment_dimension,
        segment_value,
        {%- for column, aggregate in retention.customer_period_sums().items() %}
        {{ aggregate }} as {{ column }},
        {%- endfor %}
        min(period_end) as period_end,
        min(case when is_complete_period then 1 else 0 end) = 1 as is_complete_period
    from segment_members
    group by basis, period_grain, period_start, segment_dimension, segment_value

),

final as (

    select
        cast(basis as {{ dbt.type_string() }}) as basis,
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(segment_dimension as {{ dbt.type_string() }}) as segment_dimension,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(period_end as date) as period_end,
        cast(is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(customers_at_start as {{ dbt.type_bigint() }}) as customers_at_start,
        cast(customers_at_end as {{ dbt.type_bigint() }}) as customers_at_end,
        cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
        cast(retained_customers as {{ dbt.type_bigint() }}) as retained_customers,
        cast(churned_customers as {{ dbt.type_bigint() }}) as churned_customers,
        cast(reactivated_customers as {{ dbt.type_bigint() }}) as reactivated_customers,
        {{ retention.customer_retention_rate('customers_at_start', 'customers_at_end', 'new_customers') }}
            as customer_retention_rate,
        {{ retention.churn_rate('churned_customers', 'customers_at_start') }} as customer_churn_rate,
        {{ retention.retained_customer_rate('retained_customers', 'customers_at_start') }} as retained_customer_rate,
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
        cast(mrr_12_months_before_end as {{ retention.type_money() }}) as mrr_12_months_before_end,
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
        {{ retention.average_revenue_per_account('mrr_at_end', 'customers_at_end') }}
            as average_revenue_per_account,
        {{ retention.annual_run_rate('mrr_at_end') }} as annual_run_rate,
        -- null on the orders basis, where mrr_at_end (so ARPA) is null
        {{ retention.lifetime_value(
            retention.average_revenue_per_account('mrr_at_end', 'customers_at_end'),
            retention.churn_rate('churned_customers', 'customers_at_start'),
            'period_grain'
        ) }} as lifetime_value,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(ordering_customers as {{ dbt.type_bigint() }}) as ordering_customers,
        cast(revenue as {{ retention.type_money() }}) as revenue,
        {{ retention.average_order_value('revenue', 'orders') }} as average_order_value,
        {{ retention.purchase_frequency('orders', 'ordering_customers') }} as purchase_frequency,
        cast(repeat_customers as {{ dbt.type_bigint() }}) as repeat_customers,
        {{ retention.repeat_customer_rate('repeat_customers', 'ordering_customers') }} as repeat_customer_rate,
        cast(returning_customers as {{ dbt.type_bigint() }}) as returning_customers
    from sums

)

select * from final
