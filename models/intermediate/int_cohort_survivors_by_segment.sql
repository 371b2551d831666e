{#- Subscriptions basis, spec sections 11 and 12: int_cohort_survivors_counted
    per segment. Each cohort member is counted in the segment they belong to in
    their cohort's first period: country, acquisition_channel and each customer
    attribute from int_customer_segments ((unknown) without a value), plan from
    int_customer_period_plans in that period. One row per (grain,
    segment_dimension, segment_value, cohort, t), and per segment whether it has
    enough customers to fit (is_enough_to_fit; see the YAML for the rule and
    why). -#}
{%- set dimensions = retention.segment_dimensions() %}
{%- set minimum_customers = retention.projection_min_segment_customers() %}

with

cohort_members as (

    select * from {{ ref('int_cohort_members') }}

),

customer_segments as (

    select * from {{ ref('int_customer_segments') }}

),

customer_plans as (

    select * from {{ ref('int_customer_period_plans') }}

),

member_segments as (

    select
        cohort_members.*,
        {%- for name in retention.customer_attributes() + ['country', 'acquisition_channel'] %}
        coalesce(customer_segments.{{ name }}, {{ retention.segment_unknown_value() }}) as {{ name }},
        {%- endfor %}
        coalesce(customer_plans.plan, {{ retention.segment_no_plan_value() }}) as plan
    from cohort_members
    left join customer_segments
        on cohort_members.customer_id = customer_segments.customer_id
    left join customer_plans
        on
            cohort_members.period_grain = customer_plans.period_grain
            and cohort_members.cohort_period_start = customer_plans.period_start
            and cohort_members.customer_id = customer_plans.customer_id

),

members as (

    {%- for dimension in dimensions %}
    select
        period_grain,
        customer_id,
        cohort_period_start,
        cohort_number,
        cohort_age,
        periods_at_end,
        '{{ dimension }}' as segment_dimension,
        {{ dimension }} as segment_value
    from member_segments
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if dimensions | length == 0 %}
    -- no segment dimension: no rows
    select
        period_grain,
        customer_id,
        cohort_period_start,
        cohort_number,
        cohort_age,
        periods_at_end,
        cast(null as {{ dbt.type_string() }}) as segment_dimension,
        cast(null as {{ dbt.type_string() }}) as segment_value
    from member_segments
    where 1 = 0
    {%- endif %}

),

{{ retention.cohort_survivor_counts(['segment_dimension', 'segment_value']) }},

segment_sizes as (

    -- what the fit of a segment would stand on: the customers of its cohorts observed at
    -- least one period past their first, and its oldest such cohort
    select
        period_grain,
        segment_dimension,
        segment_value,
        sum(case when periods_since_first = 0 and cohort_age >= 1 then cohort_customers else 0 end)
            as fit_customers,
        max(case when cohort_customers > 0 then cohort_age else 0 end) as oldest_cohort_age
    from cohort_survivors
    group by period_grain, segment_dimension, segment_value

),

final as (

    select
        cast(cohort_survivors.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(cohort_survivors.segment_dimension as {{ dbt.type_string() }}) as segment_dimension,
        cast(cohort_survivors.segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(cohort_survivors.cohort_period_start as date) as cohort_period_start,
        cast(cohort_survivors.periods_since_first as {{ dbt.type_bigint() }}) as periods_since_first,
        cast(cohort_survivors.period_start as date) as period_start,
        cast(cohort_survivors.cohort_age as {{ dbt.type_bigint() }}) as cohort_age,
        cast(cohort_survivors.cohort_customers as {{ dbt.type_bigint() }}) as cohort_customers,
        cast(cohort_survivors.lost_in_first_period as {{ dbt.type_bigint() }}) as lost_in_first_period,
        cast(cohort_survivors.surviving_customers as {{ dbt.type_bigint() }}) as surviving_customers,
        cast(segment_sizes.fit_customers as {{ dbt.type_bigint() }}) as segment_fit_customers,
        cast(segment_sizes.oldest_cohort_age as {{ dbt.type_bigint() }}) as segment_oldest_cohort_age,
        cast(
            segment_sizes.fit_customers >= {{ minimum_customers }} and segment_sizes.oldest_cohort_age >= 2
            as {{ dbt.type_boolean() }}
        ) as is_enough_to_fit
    from cohort_survivors
    inner join segment_sizes
        on
            cohort_survivors.period_grain = segment_sizes.period_grain
            and cohort_survivors.segment_dimension = segment_sizes.segment_dimension
            and cohort_survivors.segment_value = segment_sizes.segment_value

)

select * from final
