{#- Net Promoter Score per period of responded_at: every usable response up
    to the as-of date counts (a customer who answers twice counts twice). -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

responses as (

    select responses.*
    from {{ ref('stg_survey__nps_responses') }} as responses
    inner join reporting_window
        on responses.responded_at_local < reporting_window.as_of_at

),

bounds as (

    select
        cast(min(responses.responded_at_local) as date) as first_response_date,
        min(reporting_window.as_of_date) as as_of_date
    from responses
    cross join reporting_window

),

periods as (

    {{ retention.period_spine('bounds', 'first_response_date', 'as_of_date') }}

),

counts as (

    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        count(responses.response_id) as responses,
        sum(case when responses.nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when responses.nps_category = 'passive' then 1 else 0 end) as passives,
        sum(case when responses.nps_category = 'detractor' then 1 else 0 end) as detractors
    from periods
    left join responses
        on
            responses.responded_at_local >= {{ retention.date_to_timestamp('periods.period_start') }}
            and responses.responded_at_local < {{ retention.date_to_timestamp('periods.next_period_start') }}
    group by periods.period_grain, periods.period_start, periods.period_end, periods.is_complete_period

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        is_complete_period,
        cast(responses as {{ dbt.type_bigint() }}) as responses,
        cast(promoters as {{ dbt.type_bigint() }}) as promoters,
        cast(passives as {{ dbt.type_bigint() }}) as passives,
        cast(detractors as {{ dbt.type_bigint() }}) as detractors,
        cast({{ retention.safe_divide('promoters', 'responses') }} as {{ retention.type_ratio() }}) as promoter_share,
        cast({{ retention.safe_divide('detractors', 'responses') }} as {{ retention.type_ratio() }}) as detractor_share,
        cast(
            {{ retention.net_promoter_score('promoters', 'detractors', 'responses') }} as {{ retention.type_ratio() }}
        ) as net_promoter_score,
        cast(
            {{ retention.net_promoter_score_margin_of_error('promoters', 'detractors', 'responses') }}
            as {{ retention.type_ratio() }}
        ) as net_promoter_score_margin_of_error
    from counts

)

select * from final
