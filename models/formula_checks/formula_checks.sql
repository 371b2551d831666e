{#- Applies every formula macro to the columns of formula_check_inputs, so each
    formula is unit-tested on its own with varied inputs (the dbt-audit-helper
    pattern). Nothing reads this model. -#}

with

inputs as (

    select * from {{ ref('formula_check_inputs') }}

),

final as (

    select
        a,
        b,
        c,
        d,
        e,
        amount,
        quantity,
        text_value,
        on_date,
        {{ retention.safe_divide('a', 'b') }} as safe_divide,
        {{ retention.customer_retention_rate('a', 'b', 'c') }} as customer_retention_rate,
        {{ retention.churn_rate('a', 'b') }} as churn_rate,
        {{ retention.net_churned_mrr('a', 'b', 'c') }} as net_churned_mrr,
        {{ retention.revenue_churn_rate('a', 'b') }} as revenue_churn_rate,
        {{ retention.net_revenue_retention('a', 'b', 'c', 'd') }} as net_revenue_retention,
        {{ retention.gross_revenue_retention('a', 'b', 'c') }} as gross_revenue_retention,
        {{ retention.cohort_revenue_retention('a', 'b') }} as cohort_revenue_retention,
        {{ retention.quick_ratio('a', 'b', 'c', 'd', 'e') }} as quick_ratio,
        {{ retention.average_order_value('a', 'b') }} as average_order_value,
        {{ retention.purchase_frequency('a', 'b') }} as purchase_frequency,
        {{ retention.repeat_customer_rate('a', 'b') }} as repeat_customer_rate,
        {{ retention.growth_rate('a', 'b') }} as growth_rate,
        {{ retention.monthly_recurring_revenue('amount', 'quantity', 'text_value') }} as monthly_recurring_revenue,
        {{ retention.retained_customer_rate('a', 'b') }} as retained_customer_rate,
        {{ retention.average_revenue_per_account('a', 'b') }} as average_revenue_per_account,
        {{ retention.annual_run_rate('amount') }} as annual_run_rate,
        {{ retention.lifetime_value('a', 'b', 'text_value') }} as lifetime_value,
        {{ retention.customer_acquisition_cost('a', 'b') }} as customer_acquisition_cost,
        -- an aggregate: over every input row, as over one cohort's months
        {{ retention.months_to_payback('a', 'b', 'c') }} over () as months_to_payback,
        {{ retention.trial_to_paid_rate('a', 'b') }} as trial_to_paid_rate,
        {{ retention.mrr_movement('new', 'a', 'b', '(c = 1)') }} as new_mrr,
        {{ retention.mrr_movement('expansion', 'a', 'b', '(c = 1)') }} as expansion_mrr,
        {{ retention.mrr_movement('contraction', 'a', 'b', '(c = 1)') }} as contraction_mrr,
        {{ retention.mrr_movement('churned', 'a', 'b', '(c = 1)') }} as churned_mrr,
        {{ retention.mrr_movement('reactivation', 'a', 'b', '(c = 1)') }} as reactivation_mrr,
        {{ retention.stickiness('a', 'b') }} as stickiness,
        {{ retention.email_rate('a', 'b') }} as email_rate,
        {{ retention.nps_category('quantity') }} as nps_category,
        {{ retention.net_promoter_score('a', 'b', 'c') }} as net_promoter_score,
        {{ retention.net_promoter_score_margin_of_error('a', 'b', 'c') }} as net_promoter_score_margin_of_error,
        {% for grain in retention.supported_period_grains() -%}
        {{ retention.period_start(grain, 'on_date') }} as {{ grain }}_start,
        {{ retention.period_end(grain, retention.period_start(grain, 'on_date')) }} as {{ grain }}_end,
        {{ retention.period_add(grain, 1, 'on_date') }} as {{ grain }}_after,
        {% endfor -%}
        {{ retention.periods_between('month', 'on_date', retention.period_add('year', 1, 'on_date')) }}
            as months_in_a_year
    from inputs

)

select * from final
