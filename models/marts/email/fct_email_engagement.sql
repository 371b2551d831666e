{#- Email sends and their outcomes per period of sent_at, with pooled rates
    (sums over sums). -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

outcomes as (

    select * from {{ ref('int_email_send_outcomes') }}

),

bounds as (

    select
        cast(min(outcomes.sent_at_local) as date) as first_send_date,
        min(reporting_window.as_of_date) as as_of_date
    from outcomes
    cross join reporting_window

),

periods as (

    {{ retention.period_spine('bounds', 'first_send_date', 'as_of_date') }}

),

final as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        {{ retention.email_engagement_columns('outcomes') }}
    from periods
    left join outcomes
        on
            outcomes.sent_at_local >= {{ retention.date_to_timestamp('periods.period_start') }}
            and outcomes.sent_at_local < {{ retention.date_to_timestamp('periods.next_period_start') }}
    group by periods.period_grain, periods.period_start, periods.period_end, periods.is_complete_period

)

select * from final
