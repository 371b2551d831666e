{#- Trial-to-paid conversion (spec section 12, unit economics): a trial is a
    customer whose first subscription row (earliest started_at) has zero MRR;
    it converts when a paying row of the customer starts after the trial's
    start, up to the as-of date. One row per period of each grain from the
    period of the first trial start to the as-of period. The decisions where
    the spec is silent are in the model's YAML. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

periods as (

    select * from {{ ref('int_periods_spined') }}

),

grains as (

    select distinct period_grain from periods

),

known_rows as (

    -- the subscription rows known at the as-of date: started before its first instant after it
    select
        subscriptions.customer_id,
        subscriptions.started_at,
        subscriptions.started_at_local,
        subscriptions.is_paying
    from {{ ref('stg_billing__subscriptions') }} as subscriptions
    cross join reporting_window
    where subscriptions.started_at_local < reporting_window.as_of_at

),

first_starts as (

    select
        customer_id,
        min(started_at) as first_started_at
    from known_rows
    group by customer_id

),

trials as (

    -- every row at the customer's earliest instant has zero MRR: a trial starting then
    select
        known_rows.customer_id,
        known_rows.started_at as trial_started_at,
        known_rows.started_at_local as trial_started_at_local
    from known_rows
    inner join first_starts
        on
            known_rows.customer_id = first_starts.customer_id
            and known_rows.started_at = first_starts.first_started_at
    group by known_rows.customer_id, known_rows.started_at, known_rows.started_at_local
    having max(case when known_rows.is_paying then 1 else 0 end) = 0

),

conversions as (

    -- the customer's first paying row starting after the trial's start (elapsed time, UTC)
    select
        trials.customer_id,
        min(known_rows.started_at) as converted_at
    from trials
    inner join known_rows
        on
            trials.customer_id = known_rows.customer_id
            and trials.trial_started_at < known_rows.started_at
    where known_rows.is_paying
    group by trials.customer_id

),

trial_outcomes as (

    select
        trials.customer_id,
        trials.trial_started_at_local,
        conversions.converted_at is not null as is_converted,
        coalesce(
            conversions.converted_at < {{ retention.add_days_to_timestamp(30, 'trials.trial_started_at') }}, false
        ) as is_converted_within_30_days,
        coalesce(
            conversions.converted_at < {{ retention.add_days_to_timestamp(90, 'trials.trial_started_at') }}, false
        ) as is_converted_within_90_days
    from trials
    left join conversions
        on trials.customer_id = conversions.customer_id

),

trial_periods as (

    select
        grains.period_grain,
        {{ retention.period_start_for_grain('grains.period_grain', 'trial_outcomes.trial_started_at_local') }}
            as period_start,
        trial_outcomes.is_converted,
        trial_outcomes.is_converted_within_30_days,
        trial_outcomes.is_converted_within_90_days
    from trial_outcomes
    cross join grains

),

counts as (

    select
        period_grain,
        period_start,
        count(*) as trials_started,
        sum(case when is_converted then 1 else 0 end) as converted_customers,
        sum(case when is_converted_within_30_days then 1 else 0 end) as converted_within_30_days,
        sum(case when is_converted_within_90_days then 1 else 0 end) as converted_within_90_days
    from trial_periods
    group by period_grain, period_start

),

first_trial_periods as (

    -- no trials (or no subscriptions at all): no rows
    select
        period_grain,
        min(period_start) as first_period_start
    from counts
    group by period_grain

),

filled as (

    -- every period from the first trial's to the as-of period, with zeros when no trial started
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        cast({{ dbt.dateadd('day', 90, 'periods.period_end') }} as date)
        <= reporting_window.as_of_date as is_conversion_window_complete,
        coalesce(counts.trials_started, 0) as trials_started,
        coalesce(counts.converted_customers, 0) as converted_customers,
        coalesce(counts.converted_within_30_days, 0) as converted_within_30_days,
        coalesce(counts.converted_within_90_days, 0) as converted_within_90_days
    from periods
    inner join first_trial_periods
        on
            periods.period_grain = first_trial_periods.period_grain
            and periods.period_start >= first_trial_periods.first_period_start
    cross join reporting_window
    left join counts
        on
            periods.period_grain = counts.period_grain
            and periods.period_start = counts.period_start

),

final as (

    select
        cast(period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(is_conversion_window_complete as {{ dbt.type_boolean() }}) as is_conversion_window_complete,
        cast(trials_started as {{ dbt.type_bigint() }}) as trials_started,
        cast(converted_customers as {{ dbt.type_bigint() }}) as converted_customers,
        {{ retention.trial_to_paid_rate('converted_customers', 'trials_started') }} as trial_to_paid_rate,
        cast(converted_within_30_days as {{ dbt.type_bigint() }}) as converted_within_30_days,
        {{ retention.trial_to_paid_rate('converted_within_30_days', 'trials_started') }}
            as trial_to_paid_rate_30_days,
        cast(converted_within_90_days as {{ dbt.type_bigint() }}) as converted_within_90_days,
        {{ retention.trial_to_paid_rate('converted_within_90_days', 'trials_started') }}
            as trial_to_paid_rate_90_days
    from filled

)

select * from final
