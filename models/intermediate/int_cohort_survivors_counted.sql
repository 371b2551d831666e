{#- Subscriptions basis, spec section 12: the observed part of the
    shifted-beta-geometric projection. One row per (grain, cohort, t) from
    t = 0 to the cohort's age (its last complete period), counted from
    int_cohort_members by cohort_survivor_counts. A cohort is the customers new
    in a complete period who are customers at its end; a member survives t
    periods while they are a customer at the end of every period from their
    first to t periods later (the first churn ends it for good). Portable SQL:
    it runs on every engine; the fit is a Python model. -#}
{#- fct_retention_projection (a Python model) reads var projection_periods from
    its config and cannot call macros: a mistake fails here, at compile time. -#}
{%- do retention.projection_periods() %}

with

members as (

    select * from {{ ref('int_cohort_members') }}

),

{{ retention.cohort_survivor_counts() }},

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(cohort_period_start as date) as cohort_period_start,
        cast(periods_since_first as {{ dbt.type_bigint() }}) as periods_since_first,
        cast(period_start as date) as period_start,
        cast(cohort_age as {{ dbt.type_bigint() }}) as cohort_age,
        cast(cohort_customers as {{ dbt.type_bigint() }}) as cohort_customers,
        cast(lost_in_first_period as {{ dbt.type_bigint() }}) as lost_in_first_period,
        cast(surviving_customers as {{ dbt.type_bigint() }}) as surviving_customers
    from cohort_survivors

)

select * from final
