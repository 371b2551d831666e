{#- Subscriptions basis, spec section 12: the observed part of the
    shifted-beta-geometric projection. One row per (grain, cohort, t) from
    t = 0 to the cohort's age (its last complete period). A cohort is the
    customers new in a complete period who are customers at its end; a
    member survives t periods while they are a customer at the end of every
    period from their first to t periods later (the first churn ends it for
    good). Portable SQL: it runs on every engine; the fit is a Python model. -#}
{#- fct_retention_projection (a Python model) reads var projection_periods from
    its config and cannot call macros: a mistake fails here, at compile time. -#}
{%- do retention.projection_periods() %}

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

cohorts as (

    select
        period_grain,
        cohort_period_start,
        cohort_number,
        cohort_age,
        sum(case when periods_at_end > 0 then 1 else 0 end) as cohort_customers,
        sum(case when periods_at_end = 0 then 1 else 0 end) as lost_in_first_period
    from members
    group by 1, 2, 3, 4

),

cohort_ages as (

    -- every observed age of every cohort, survivors or not
    select
        cohorts.period_grain,
        cohorts.cohort_period_start,
        cohorts.cohort_age,
        cohorts.cohort_customers,
        cohorts.lost_in_first_period,
        periods.period_start,
        periods.period_number - cohorts.cohort_number as periods_since_first
    from cohorts
    inner join periods
        on
            cohorts.period_grain = periods.period_grain
            and cohorts.cohort_number <= periods.period_number
            and cohorts.cohort_number + cohorts.cohort_age >= periods.period_number

),

survivors as (

    select
        cohort_ages.period_grain,
        cohort_ages.cohort_period_start,
        cohort_ages.periods_since_first,
        sum(case when members.periods_at_end > cohort_ages.periods_since_first then 1 else 0 end)
            as surviving_customers
    from cohort_ages
    inner join members
        on
            cohort_ages.period_grain = members.period_grain
            and cohort_ages.cohort_period_start = members.cohort_period_start
    group by 1, 2, 3

),

final as (

    select
        cast(cohort_ages.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(cohort_ages.cohort_period_start as date) as cohort_period_start,
        cast(cohort_ages.periods_since_first as {{ dbt.type_bigint() }}) as periods_since_first,
        cast(cohort_ages.period_start as date) as period_start,
        cast(cohort_ages.cohort_age as {{ dbt.type_bigint() }}) as cohort_age,
        cast(cohort_ages.cohort_customers as {{ dbt.type_bigint() }}) as cohort_customers,
        cast(cohort_ages.lost_in_first_period as {{ dbt.type_bigint() }}) as lost_in_first_period,
        cast(survivors.surviving_customers as {{ dbt.type_bigint() }}) as surviving_customers
    from cohort_ages
    inner join survivors
        on
            cohort_ages.period_grain = survivors.period_grain
            and cohort_ages.cohort_period_start = survivors.cohort_period_start
            and cohort_ages.periods_since_first = survivors.periods_since_first

)

select * from final
