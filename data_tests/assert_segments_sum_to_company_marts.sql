-- For every segment dimension, fct_retention_by_segment's counts and money
-- summed over the dimension's values equal fct_customer_periods summed over
-- the period (which assert_customer_periods_sum_to_company_marts ties to the
-- company-level marts): the segments partition the period's customers.
-- Returns each (basis, grain, period, dimension) where a sum differs.
{%- set columns = retention.customer_period_sums().keys() | list %}

with

segment_sums as (

    select
        {%- for column in columns %}
        sum({{ column }}) as {{ column }},
        {%- endfor %}
        basis,
        period_grain,
        period_start,
        segment_dimension
    from {{ ref('fct_retention_by_segment') }}
    group by basis, period_grain, period_start, segment_dimension

),

period_sums as (

    select
        {%- for column, aggregate in retention.customer_period_sums().items() %}
        {{ aggregate }} as {{ column }},
        {%- endfor %}
        basis,
        period_grain,
        period_start
    from {{ ref('fct_customer_periods') }}
    group by basis, period_grain, period_start

),

dimensions as (

    select distinct segment_dimension from {{ ref('fct_retention_by_segment') }}

),

expected as (

    -- every dimension covers every period with customer rows (plan: the subscriptions basis)
    select
        dimensions.segment_dimension,
        period_sums.*
    from period_sums
    cross join dimensions
    where dimensions.segment_dimension <> 'plan' or period_sums.basis = 'subscriptions'

)

select
    coalesce(expected.basis, segment_sums.basis) as basis,
    coalesce(expected.period_grain, segment_sums.period_grain) as period_grain,
    coalesce(expected.period_start, segment_sums.period_start) as period_start,
    coalesce(expected.segment_dimension, segment_sums.segment_dimension) as segment_dimension
from expected
full outer join segment_sums
    on
        expected.basis = segment_sums.basis
        and expected.period_grain = segment_sums.period_grain
        and expected.period_start = segment_sums.period_start
        and expected.segment_dimension = segment_sums.segment_dimension
where
    expected.basis is null
    or segment_sums.basis is null
    {%- for column in columns %}
    -- equal, or null on both sides (the other basis's columns)
    or not {{ retention.null_safe_equals('expected.' ~ column, 'segment_sums.' ~ column) }}
    {%- endfor %}
