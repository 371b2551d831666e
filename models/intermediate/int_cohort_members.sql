{#- Subscriptions basis, spec section 12: each member of a cohort of the
    shifted-beta-geometric projection, with how long they survived. One row per
    (grain, customer) for each customer new in a complete period: their cohort
    (that period), the cohort's age (periods from it to the last complete
    period) and periods_at_end, the unbroken run of period ends from their first
    at which they are a customer (0: they joined and left within the first
    period; otherwise they survived periods_at_end - 1 periods, as far as
    observed). The first churn ends the run for good. int_cohort_survivors_counted
    and int_cohort_survivors_by_segment count these rows. Portable SQL. -#}

with

periods as (

    select
        period_grain,
        period_start,
        is_complete_period,
        row_number() over (partition by period_grain order by period_start) as period_number
    from {{ ref('int_periods_spined') }}

),

customer_periods as (

    select * from {{ ref('int_customer_periods_from_subscriptions') }}

),

last_complete_periods as (

    select
        period_grain,
        max(period_number) as last_complete_number
    from periods
    where is_complete_period
    group by 1

),

new_customers as (

    -- only cohorts whose first period is complete: the current one has no end yet
    select
        customer_periods.period_grain,
        customer_periods.customer_id,
        periods.period_start as cohort_period_start,
        periods.period_number as cohort_number,
        last_complete_periods.last_complete_number
    from customer_periods
    inner join periods
        on
            customer_periods.period_grain = periods.period_grain
            and customer_periods.period_start = periods.period_start
    inner join last_complete_periods
        on periods.period_grain = last_complete_periods.period_grain
    where customer_periods.is_new_customer and periods.period_number <= last_complete_periods.last_complete_number

),

ends_as_customer as (

    -- each complete period from the first on at whose end the customer is a customer,
    -- ranked; the unbroken run from the first period has period_number - run_rank = cohort_number
    select
        new_customers.period_grain,
        new_customers.customer_id,
        new_customers.cohort_number,
        periods.period_number,
        row_number() over (
            partition by new_customers.period_grain, new_customers.customer_id order by periods.period_number
        ) - 1 as run_rank
    from new_customers
    inner join customer_periods
        on
            new_customers.period_grain = customer_periods.period_grain
            and new_customers.customer_id = customer_periods.customer_id
    inner join periods
        on
            customer_periods.period_grain = periods.period_grain
            and customer_periods.period_start = periods.period_start
    where
        customer_periods.is_customer_at_end
        and periods.period_number >= new_customers.cohort_number
        and periods.period_number <= new_customers.last_complete_number

),

unbroken_runs as (

    select
        period_grain,
        customer_id,
        count(*) as periods_at_end
    from ends_as_customer
    where period_number - run_rank = cohort_number
    group by 1, 2

),

members as (

    -- periods_at_end = 0: joined and left within the first period (lost_in_first_period);
    -- otherwise the member survived periods_at_end - 1 periods, as far as observed
    select
        new_customers.period_grain,
        new_customers.customer_id,
        new_customers.cohort_period_start,
        new_customers.cohort_number,
        new_customers.last_complete_number - new_customers.cohort_number as cohort_age,
        coalesce(unbroken_runs.periods_at_end, 0) as periods_at_end
    from new_customers
    left join unbroken_runs
        on
            new_customers.period_grain = unbroken_runs.period_grain
            and new_customers.customer_id = unbroken_runs.customer_id

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(cohort_period_start as date) as cohort_period_start,
        cast(cohort_number as {{ dbt.type_bigint() }}) as cohort_number,
        cast(cohort_age as {{ dbt.type_bigint() }}) as cohort_age,
        cast(periods_at_end as {{ dbt.type_bigint() }}) as periods_at_end
    from members

)

select * from final
