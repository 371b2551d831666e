{#- Subscriptions basis: the plan segment of each (grain, period, customer)
    with MRR at the period's start or end, or new in it (section 11): the
    plan_id of the customer's paying row with the largest MRR among those
    running at the start of P; without one, among those running at its end;
    without one, the paying row that started last before the end of P. Ties go
    to the smallest plan_id (code-point order; a null plan_id last, published
    as (none)). A row is running at t when started_at < t and ended_at is null
    or >= t, so a move from plan A to B within P (or exactly on P's last
    boundary) keeps the customer in A for P. Only rows starting before the
    as-of instant are read, as in every mart. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

customer_periods as (

    select
        periods.period_grain,
        periods.period_start,
        customer_periods.customer_id,
        {{ retention.date_to_timestamp('periods.period_start') }} as start_at,
        {{ retention.date_to_timestamp('periods.next_period_start') }} as end_at
    from {{ ref('int_customer_periods_from_subscriptions') }} as customer_periods
    inner join {{ ref('int_periods_spined') }} as periods
        on
            customer_periods.period_grain = periods.period_grain
            and customer_periods.period_start = periods.period_start

),

paying_rows as (

    select
        subscriptions.customer_id,
        subscriptions.plan_id,
        subscriptions.mrr,
        subscriptions.started_at_local,
        subscriptions.ended_at_local
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    cross join reporting_window
    where subscriptions.is_paying and subscriptions.started_at_local < reporting_window.as_of_at

),

candidates as (

    -- every paying row started before the end of P; the tier says which rule picks it
    select
        customer_periods.period_grain,
        customer_periods.period_start,
        customer_periods.customer_id,
        paying_rows.plan_id,
        paying_rows.mrr,
        paying_rows.started_at_local,
        case
            when
                paying_rows.started_at_local < customer_periods.start_at
                and coalesce(paying_rows.ended_at_local, customer_periods.start_at) >= customer_periods.start_at
                then 1
            when coalesce(paying_rows.ended_at_local, customer_periods.end_at) >= customer_periods.end_at then 2
            else 3
        end as tier
    from customer_periods
    inner join paying_rows
        on
            customer_periods.customer_id = paying_rows.customer_id
            and customer_periods.end_at > paying_rows.started_at_local

),

ranked as (

    select
        period_grain,
        period_start,
        customer_id,
        plan_id,
        row_number() over (
            partition by period_grain, period_start, customer_id
            order by
                tier,
                case when tier < 3 then mrr end desc,
                case when tier = 3 then started_at_local end desc,
                {{ retention.text_in_code_point_order('plan_id') }} asc nulls last
        ) as plan_rank
    from candidates

),

final as (

    select
        period_grain,
        period_start,
        customer_id,
        coalesce(plan_id, {{ retention.segment_no_plan_value() }}) as plan
    from ranked
    where plan_rank = 1

)

select * from final
