{#- Subscriptions basis: one row per (grain, period, customer) with the
    customer's MRR at the start of the period (m0), at its end (m1) and twelve
    months before its end, and whether they are new in it. A customer's MRR at
    instant t sums their paying rows running in the last moment before t:
    started_at < t and (ended_at is null or ended_at >= t).

    A table, rebuilt in full on every run: subscriptions are few beside orders
    (0.7 rows per customer at the benchmark scale), and an end set or moved
    back at any age changes MRR in every period after it, so an incremental
    version would rebuild most of the table anyway. -#}

{{ config(materialized='table') }}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

all_periods as (

    select * from {{ ref('int_periods_spined') }}

),

grains as (

    select distinct period_grain from all_periods

),

paying_rows as (

    -- only paying rows make a customer; zero-MRR rows add nothing to MRR
    select
        subscriptions.customer_id,
        subscriptions.started_at_local,
        subscriptions.ended_at_local,
        subscriptions.mrr
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    cross join reporting_window
    where subscriptions.is_paying and subscriptions.started_at_local < reporting_window.as_of_at

),

mrr_at_period_end as (

    select
        all_periods.period_grain,
        all_periods.period_start,
        paying_rows.customer_id,
        sum(paying_rows.mrr) as mrr
    from all_periods
    inner join paying_rows
        on
            paying_rows.started_at_local < {{ retention.date_to_timestamp('all_periods.next_period_start') }}
            -- a null ended_at is still running: it compares as the boundary itself
            and coalesce(
                paying_rows.ended_at_local, {{ retention.date_to_timestamp('all_periods.next_period_start') }}
            ) >= {{ retention.date_to_timestamp('all_periods.next_period_start') }}
    group by 1, 2, 3

),

mrr_at_period_start_of_grains as (

    -- the start of P is the end of the period before it
    {{ retention.values_at_boundary('mrr_at_period_end', 'all_periods', 'period_start', ['customer_id', 'mrr']) }}

),

mrr_at_period_start as (

    {{ retention.rows_in_periods('mrr_at_period_start_of_grains', 'all_periods') }}

),

mrr_12_months_before_end_of_grains as (

    {{ retention.values_at_boundary(
        'mrr_at_period_end', 'all_periods', 'end_12_months_earlier', ['customer_id', 'mrr']
    ) }}

),

mrr_12_months_before_end as (

    {{ retention.rows_in_periods('mrr_12_months_before_end_of_grains', 'all_periods') }}

),

first_paying_starts as (

    select
        customer_id,
        min(started_at_local) as first_paying_started_at
    from paying_rows
    group by 1

),

new_customers_of_grains as (

    select
        grains.period_grain,
        {{ retention.period_start_for_grain('grains.period_grain', 'first_paying_starts.first_paying_started_at') }}
            as period_start,
        first_paying_starts.customer_id
    from first_paying_starts
    cross join grains

),

new_customers as (

    {{ retention.rows_in_periods('new_customers_of_grains', 'all_periods') }}

),

facts as (

    select
        period_grain,
        period_start,
        customer_id,
        cast(0 as {{ retention.type_money() }}) as mrr_at_start,
        mrr as mrr_at_end,
        cast(0 as {{ retention.type_money() }}) as mrr_12_months_before_end,
        0 as is_new
    from mrr_at_period_end

    union all

    select
        period_grain,
        period_start,
        customer_id,
        mrr as mrr_at_start,
        cast(0 as {{ retention.type_money() }}) as mrr_at_end,
        cast(0 as {{ retention.type_money() }}) as mrr_12_months_before_end,
        0 as is_new
    from mrr_at_period_start

    union all

    select
        period_grain,
        period_start,
        customer_id,
        cast(0 as {{ retention.type_money() }}) as mrr_at_start,
        cast(0 as {{ retention.type_money() }}) as mrr_at_end,
        mrr as mrr_12_months_before_end,
        0 as is_new
    from mrr_12_months_before_end

    union all

    select
        period_grain,
        period_start,
        customer_id,
        cast(0 as {{ retention.type_money() }}) as mrr_at_start,
        cast(0 as {{ retention.type_money() }}) as mrr_at_end,
        cast(0 as {{ retention.type_money() }}) as mrr_12_months_before_end,
        1 as is_new
    from new_customers

),

final as (

    select
        period_grain,
        period_start,
        customer_id,
        cast(sum(mrr_at_start) as {{ retention.type_money() }}) as mrr_at_start,
        cast(sum(mrr_at_end) as {{ retention.type_money() }}) as mrr_at_end,
        cast(sum(mrr_12_months_before_end) as {{ retention.type_money() }}) as mrr_12_months_before_end,
        sum(mrr_at_start) > 0 as is_customer_at_start,
        sum(mrr_at_end) > 0 as is_customer_at_end,
        max(is_new) = 1 as is_new_customer
    from facts
    group by 1, 2, 3

)

select * from final
