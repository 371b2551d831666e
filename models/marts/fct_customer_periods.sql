{#- The contract lists the fixed columns; a customer attribute (var
    customer_attributes) adds a column dbt cannot know while it parses, so with
    attributes set the contract is not enforced (the columns keep their casts). -#}
{%- set attributes = retention.customer_attributes() %}
{{ config(contract={'enforced': attributes | length == 0}) }}

with

periods as (

    select * from {{ ref('int_periods_spined') }}

),

customer_segments as (

    select * from {{ ref('int_customer_segments') }}

),

from_orders as (

    select
        'orders' as basis,
        period_grain,
        period_start,
        customer_id,
        is_customer_at_start,
        is_customer_at_end,
        is_new_customer,
        orders,
        revenue,
        -- a counted order in P by a customer who is not new in P: one before P
        orders > 0 and not is_new_customer as is_returning_customer,
        cast(null as {{ retention.type_money() }}) as mrr_at_start,
        cast(null as {{ retention.type_money() }}) as mrr_at_end,
        cast(null as {{ retention.type_money() }}) as new_mrr,
        cast(null as {{ retention.type_money() }}) as expansion_mrr,
        cast(null as {{ retention.type_money() }}) as contraction_mrr,
        cast(null as {{ retention.type_money() }}) as churned_mrr,
        cast(null as {{ retention.type_money() }}) as reactivation_mrr,
        cast(null as {{ retention.type_money() }}) as mrr_12_months_before_end,
        cast(null as {{ dbt.type_string() }}) as plan
    from {{ ref('int_customer_periods_from_orders') }}

),

from_subscriptions as (

    select
        'subscriptions' as basis,
        customer_periods.period_grain,
        customer_periods.period_start,
        customer_periods.customer_id,
        customer_periods.is_customer_at_start,
        customer_periods.is_customer_at_end,
        customer_periods.is_new_customer,
        cast(null as {{ dbt.type_bigint() }}) as orders,
        cast(null as {{ retention.type_money() }}) as revenue,
        cast(null as {{ dbt.type_boolean() }}) as is_returning_customer,
        customer_periods.mrr_at_start,
        customer_periods.mrr_at_end,
        {{ retention.mrr_movement('new', 'customer_periods.mrr_at_start', 'customer_periods.mrr_at_end',
            'customer_periods.is_new_customer') }} as new_mrr,
        {{ retention.mrr_movement('expansion', 'customer_periods.mrr_at_start', 'customer_periods.mrr_at_end',
            'customer_periods.is_new_customer') }} as expansion_mrr,
        {{ retention.mrr_movement('contraction', 'customer_periods.mrr_at_start', 'customer_periods.mrr_at_end',
            'customer_periods.is_new_customer') }} as contraction_mrr,
        {{ retention.mrr_movement('churned', 'customer_periods.mrr_at_start', 'customer_periods.mrr_at_end',
            'customer_periods.is_new_customer') }} as churned_mrr,
        {{ retention.mrr_movement('reactivation', 'customer_periods.mrr_at_start', 'customer_periods.mrr_at_end',
            'customer_periods.is_new_customer') }} as reactivation_mrr,
        customer_periods.mrr_12_months_before_end,
        customer_plans.plan
    from {{ ref('int_customer_periods_from_subscriptions') }} as customer_periods
    left join {{ ref('int_customer_period_plans') }} as customer_plans
        on
            customer_periods.period_grain = customer_plans.period_grain
            and customer_periods.period_start = customer_plans.period_start
            and customer_periods.customer_id = customer_plans.customer_id

),

customer_periods as (

    select * from from_orders
    union all
    select * from from_subscriptions

),

final as (

    select
        cast(customer_periods.basis as {{ dbt.type_string() }}) as basis,
        cast(customer_periods.period_grain as {{ dbt.type_string() }}) as period_grain,
        cast(customer_periods.period_start as date) as period_start,
        cast(periods.period_end as date) as period_end,
        cast(periods.is_complete_period as {{ dbt.type_boolean() }}) as is_complete_period,
        cast(customer_periods.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(customer_periods.is_customer_at_start as {{ dbt.type_boolean() }}) as is_customer_at_start,
        cast(customer_periods.is_customer_at_end as {{ dbt.type_boolean() }}) as is_customer_at_end,
        cast(customer_periods.is_new_customer as {{ dbt.type_boolean() }}) as is_new_customer,
        cast(
            customer_periods.is_customer_at_start and customer_periods.is_customer_at_end
            as {{ dbt.type_boolean() }}
        ) as is_retained_customer,
        cast(
            customer_periods.is_customer_at_start and not customer_periods.is_customer_at_end
            as {{ dbt.type_boolean() }}
        ) as is_churned_customer,
        cast(
            customer_periods.is_customer_at_end
            and not customer_periods.is_customer_at_start
            and not customer_periods.is_new_customer
            as {{ dbt.type_boolean() }}
        ) as is_reactivated_customer,
        cast(customer_periods.orders as {{ dbt.type_bigint() }}) as orders,
        cast(customer_periods.revenue as {{ retention.type_money() }}) as revenue,
        cast(customer_periods.is_returning_customer as {{ dbt.type_boolean() }}) as is_returning_customer,
        cast(customer_periods.mrr_at_start as {{ retention.type_money() }}) as mrr_at_start,
        cast(customer_periods.mrr_at_end as {{ retention.type_money() }}) as mrr_at_end,
        cast(customer_periods.new_mrr as {{ retention.type_money() }}) as new_mrr,
        cast(customer_periods.expansion_mrr as {{ retention.type_money() }}) as expansion_mrr,
        cast(customer_periods.contraction_mrr as {{ retention.type_money() }}) as contraction_mrr,
        cast(customer_periods.churned_mrr as {{ retention.type_money() }}) as churned_mrr,
        cast(customer_periods.reactivation_mrr as {{ retention.type_money() }}) as reactivation_mrr,
        cast(customer_periods.mrr_12_months_before_end as {{ retention.type_money() }}) as mrr_12_months_before_end,
        {%- for name in attributes %}
        cast(
            coalesce(customer_segments.{{ name }}, {{ retention.segment_unknown_value() }}) as {{ dbt.type_string() }}
        ) as {{ name }},
        {%- endfor %}
        cast(
            coalesce(customer_segments.country, {{ retention.segment_unknown_value() }}) as {{ dbt.type_string() }}
        ) as country,
        cast(
            coalesce(customer_segments.acquisition_channel, {{ retention.segment_unknown_value() }})
            as {{ dbt.type_string() }}
        ) as acquisition_channel,
        cast(customer_periods.plan as {{ dbt.type_string() }}) as plan
    from customer_periods
    inner join periods
        on
            customer_periods.period_grain = periods.period_grain
            and customer_periods.period_start = periods.period_start
    left join customer_segments
        on customer_periods.customer_id = customer_segments.customer_id

)

select * from final
