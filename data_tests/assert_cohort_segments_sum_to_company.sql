-- For every segment dimension, int_cohort_survivors_by_segment's cohort counts
-- summed over the dimension's values equal int_cohort_survivors_counted's: the
-- segments of one dimension partition each cohort, at every age. Returns each
-- (grain, dimension, cohort, t) where a sum differs or a side has no row.

with

segment_sums as (

    select
        period_grain,
        segment_dimension,
        cohort_period_start,
        periods_since_first,
        sum(cohort_customers) as cohort_customers,
        sum(lost_in_first_period) as lost_in_first_period,
        sum(surviving_customers) as surviving_customers
    from {{ ref('int_cohort_survivors_by_segment') }}
    group by period_grain, segment_dimension, cohort_period_start, periods_since_first

),

dimensions as (

    select distinct segment_dimension from {{ ref('int_cohort_survivors_by_segment') }}

),

expected as (

    select
        company.period_grain,
        dimensions.segment_dimension,
        company.cohort_period_start,
        company.periods_since_first,
        company.cohort_customers,
        company.lost_in_first_period,
        company.surviving_customers
    from {{ ref('int_cohort_survivors_counted') }} as company
    cross join dimensions

),

final as (

    select
        coalesce(expected.period_grain, segment_sums.period_grain) as period_grain,
        coalesce(expected.segment_dimension, segment_sums.segment_dimension) as segment_dimension,
        coalesce(expected.cohort_period_start, segment_sums.cohort_period_start) as cohort_period_start,
        coalesce(expected.periods_since_first, segment_sums.periods_since_first) as periods_since_first,
        expected.cohort_customers as company_cohort_customers,
        segment_sums.cohort_customers as segments_cohort_customers,
        expected.surviving_customers as company_surviving_customers,
        segment_sums.surviving_customers as segments_surviving_customers
    from expected
    full outer join segment_sums
        on
            expected.period_grain = segment_sums.period_grain
            and expected.segment_dimension = segment_sums.segment_dimension
            and expected.cohort_period_start = segment_sums.cohort_period_start
            and expected.periods_since_first = segment_sums.periods_since_first
    where
        expected.period_grain is null
        or segment_sums.period_grain is null
        or expected.cohort_customers != segment_sums.cohort_customers
        or expected.lost_in_first_period != segment_sums.lost_in_first_period
        or expected.surviving_customers != segment_sums.surviving_customers

)

select * from final
