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

period_sends as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        {{ retention.email_send_count('outcomes') }} as sends,
        {{ retention.email_send_count('outcomes', 'is_delivered') }} as deliveries,
        {{ retention.email_send_count('outcomes', 'is_bounced') }} as bounces,
        {{ retention.email_send_count('outcomes', 'is_opened') }} as unique_opens,
        {{ retention.email_send_count('outcomes', 'is_opened_by_person') }} as unique_human_opens,
        {{ retention.email_send_count('outcomes', 'is_clicked') }} as unique_clicks,
        {{ retention.email_send_count('outcomes', 'is_unsubscribed') }} as unsubscribes,
        {{ retention.email_send_count('outcomes', 'is_complained') }} as spam_complaints
    from periods
    left join outcomes
        on
            outcomes.sent_at_local >= {{ retention.date_to_timestamp('periods.period_start') }}
            and outcomes.sent_at_local < {{ retention.date_to_timestamp('periods.next_period_start') }}
    group by periods.period_grain, periods.period_start, periods.period_end, periods.is_complete_period

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        is_complete_period,
        sends,
        deliveries,
        bounces,
        unique_opens,
        unique_human_opens,
        unique_clicks,
        unsubscribes,
        spam_complaints,
        {{ retention.email_rate('unique_opens', 'deliveries') }} as open_rate,
        {{ retention.email_rate('unique_human_opens', 'deliveries') }} as human_open_rate,
        {{ retention.email_rate('unique_clicks', 'deliveries') }} as click_rate,
        {{ retention.email_rate('unique_clicks', 'unique_opens') }} as click_to_open_rate,
        {{ retention.email_rate('bounces', 'sends') }} as bounce_rate,
        {{ retention.email_rate('unsubscribes', 'deliveries') }} as unsubscribe_rate
    from period_sends

)

select * from final
