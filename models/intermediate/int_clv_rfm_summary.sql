{#- One row per customer with a counted order on or before the CLV calibration
    end: the frequency / recency / T / monetary summary the BG/NBD and
    Gamma-Gamma models are fitted on. Orders on one day (reporting time zone)
    make one purchase; time is measured in var clv_time_unit. Counted orders
    come from int_counted_orders_sequenced, so orders after the as-of date
    never count, whatever the calibration end. -#}

{%- set unit_days = retention.clv_time_unit_days() %}
{#- The Python CLV models read clv_horizon and clv_on_fit_failure from their
    config and cannot call macros: a mistake in them fails here, at compile time. -#}
{%- do retention.clv_horizon() %}
{%- do retention.clv_on_fit_failure() %}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

calibration as (

    select
        {% if retention.clv_calibration_end() is not none -%}
            cast('{{ retention.clv_calibration_end() }}' as date)
        {%- else -%}
        as_of_date
        {%- endif %} as calibration_end_date
    from reporting_window

),

purchase_days as (

    select
        orders.customer_id,
        cast(orders.ordered_at_local as date) as purchase_date,
        sum(orders.revenue) as spend
    from {{ ref('int_counted_orders_sequenced') }} as orders
    cross join calibration
    where cast(orders.ordered_at_local as date) <= calibration.calibration_end_date
    group by 1, 2

),

customer_span as (

    select
        customer_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as purchase_days
    from purchase_days
    group by 1

),

repeat_spend as (

    -- monetary value: the mean spend of the repeat purchases (the first is left out)
    select
        purchase_days.customer_id,
        avg(purchase_days.spend) as monetary_value
    from purchase_days
    inner join customer_span
        on
            purchase_days.customer_id = customer_span.customer_id
            and purchase_days.purchase_date > customer_span.first_purchase_date
    group by 1

),

spans_in_days as (

    select
        customer_span.customer_id,
        customer_span.first_purchase_date,
        customer_span.purchase_days,
        calibration.calibration_end_date,
        {{ dbt.datediff('customer_span.first_purchase_date', 'customer_span.last_purchase_date', 'day') }}
            as recency_days,
        {{ dbt.datediff('customer_span.first_purchase_date', 'calibration.calibration_end_date', 'day') }}
            as age_days
    from customer_span
    cross join calibration

),

final as (

    select
        spans_in_days.customer_id,
        spans_in_days.first_purchase_date,
        spans_in_days.calibration_end_date,
        spans_in_days.purchase_days - 1 as frequency,
        cast(spans_in_days.recency_days as {{ retention.type_ratio() }}) / {{ unit_days }} as recency,
        cast(spans_in_days.age_days as {{ retention.type_ratio() }}) / {{ unit_days }} as customer_age,
        cast(coalesce(repeat_spend.monetary_value, 0) as {{ retention.type_ratio() }}) as monetary_value
    from spans_in_days
    left join repeat_spend
        on spans_in_days.customer_id = repeat_spend.customer_id

)

select * from final
