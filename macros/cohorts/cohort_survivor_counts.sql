{% macro cohort_survivor_counts(by=[]) %}
    {#- The counting half of the shifted-beta-geometric data (spec section 12),
        as CTEs (the periods of int_periods_spined numbered, then the counts)
        for a model that defines `members` (int_cohort_members' columns and the
        columns named in `by`): per (grain, the `by` columns, cohort) its size
        and the members lost in its first period, and per age t from 0 to the
        cohort's age the members who survived t periods. It ends in CTE
        cohort_survivors, one row per (grain, the `by` columns, cohort, t). The
        `by` columns must not be null (they are joined on). -#}
    {%- set grouped = ['period_grain'] + by + ['cohort_period_start'] %}

periods as (

    -- numbered as int_cohort_members numbers them (cohort_number)
    select
        period_grain,
        period_start,
        row_number() over (partition by period_grain order by period_start) as period_number
    from {{ ref('int_periods_spined') }}

),

cohorts as (

    select
        {%- for column in grouped %}
        {{ column }},
        {%- endfor %}
        cohort_number,
        cohort_age,
        sum(case when periods_at_end > 0 then 1 else 0 end) as cohort_customers,
        sum(case when periods_at_end = 0 then 1 else 0 end) as lost_in_first_period
    from members
    group by {{ grouped | join(', ') }}, cohort_number, cohort_age

),

cohort_ages as (

    -- every observed age of every cohort, survivors or not
    select
        {%- for column in grouped %}
        cohorts.{{ column }},
        {%- endfor %}
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
        {%- for column in grouped %}
        cohort_ages.{{ column }},
        {%- endfor %}
        cohort_ages.periods_since_first,
        sum(case when members.periods_at_end > cohort_ages.periods_since_first then 1 else 0 end)
            as surviving_customers
    from cohort_ages
    inner join members
        on
            cohort_ages.period_grain = members.period_grain
            {%- for column in grouped[1:] %}
            and cohort_ages.{{ column }} = members.{{ column }}
            {%- endfor %}
    group by {% for column in grouped %}cohort_ages.{{ column }}, {% endfor %}cohort_ages.periods_since_first

),

cohort_survivors as (

    select
        {%- for column in grouped %}
        cohort_ages.{{ column }},
        {%- endfor %}
        cohort_ages.periods_since_first,
        cohort_ages.period_start,
        cohort_ages.cohort_age,
        cohort_ages.cohort_customers,
        cohort_ages.lost_in_first_period,
        survivors.surviving_customers
    from cohort_ages
    inner join survivors
        on
            cohort_ages.periods_since_first = survivors.periods_since_first
            {%- for column in grouped %}
            and cohort_ages.{{ column }} = survivors.{{ column }}
            {%- endfor %}

)
{%- endmacro %}
