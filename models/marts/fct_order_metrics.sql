with

periods as (

    select * from {{ ref('int_periods_spined') }}

),

source_presence as (

    -- no usable order rows at all: no rows
    select distinct 1 as has_orders from {{ ref('stg_shop__orders') }}

),

ordering_customers as (

    select * from {{ ref('int_customer_periods_from_orders') }}
    where orders > 0

),

aggregated as (

    select
        period_grain,
        period_start,
        sum(orders) as orders,
        count(*) as ordering_customers,
        sum(revenue) as revenue,
        sum(case when orders >= 2 then 1 else 0 end) as repeat_customers,
        -- an ordering customer who is not new had a counted order before P
        sum(case when not is_new_customer then 1 else 0 end) as returning_customers
    from ordering_customers
    group by 1, 2

),

grains as (

    select distinct period_grain from periods

),

purchase_gaps as (

    -- each gap between consecutive counted orders belongs to the period of the later order
    select
        grains.period_grain,
        {{ retention.period_start_for_grain('grains.period_grain', 'sequenced.ordered_at_local') }} as period_start,
        sequenced.days_since_previous_order
    from {{ ref('int_counted_orders_sequenced') }} as sequenced
    cross join grains
    where sequenced.days_since_previous_order is not null

),

gaps_by_period as (

    select
        period_grain,
        period_start,
        avg(days_since_previous_order) as average_days_between_purchases,
        {{ retention.median('days_since_previous_order') }} as median_days_between_purchases
    from purchase_gaps
    group by 1, 2

),

filled as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        coalesce(aggregated.orders, 0) as orders,
        coalesce(aggregated.ordering_customers, 0) as ordering_customers,
        coalesce(aggregated.revenue, 0) as revenue,
        coalesce(aggregated.repeat_customers, 0) as repeat_customers,
        coalesce(aggregated.returning_customers, 0) as returning_customers,
        gaps_by_period.average_days_between_purchases,
        gaps_by_period.median_days_between_purchases
    from periods
    cross join source_presence
    left join aggregated
        on
            periods.period_grain = aggregated.period_grain
            and periods.period_start = aggregated.period_start
    left join gaps_by_period
        on
            periods.period_grain = gaps_by_period.period_grain
            and periods.period_start = gaps_by_period.period_start

),

with_previous as (

    -- the spine has no holes, so the row before is the previous period
    select
        filled.*,
        lag(filled.revenue) over (partition by filled.period_grain order by filled.period_start) as previous_revenue
    from filled

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(ordering_customers as {{ dbt.type_bigint() }}) as ordering_customers,
        cast(revenue as {{ retention.type_money() }}) as revenue,
        {{ retention.average_order_value('revenue', 'orders') }} as average_order_value,
        {{ retention.purchase_frequency('orders', 'ordering_customers') }} as purchase_frequency,
        cast(repeat_customers as {{ dbt.type_bigint() }}) as repeat_customers,
        {{ retention.repeat_customer_rate('repeat_customers', 'ordering_customers') }} as repeat_customer_rate,
        cast(returning_customers as {{ dbt.type_bigint() }}) as returning_customers,
        cast(previous_revenue as {{ retention.type_money() }}) as previous_period_revenue,
        {{ retention.growth_rate('revenue', 'previous_revenue') }} as revenue_growth_rate,
        cast(average_days_between_purchases as {{ retention.type_ratio() }}) as average_days_between_purchases,
        cast(median_days_between_purchases as {{ retention.type_ratio() }}) as median_days_between_purchases
    from with_previous

)

select * from final
