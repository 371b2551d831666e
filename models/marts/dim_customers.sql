with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

crm_customers as (

    select * from {{ ref('stg_crm__customers') }}

),

nps_responses as (

    select * from {{ ref('stg_survey__nps_responses') }}

),

known_customers as (

    -- one row per customer seen in any source's usable rows
    select customer_id from orders
    union
    select customer_id from subscriptions
    union
    select customer_id from crm_customers
    union
    select customer_id from {{ ref('stg_product__events') }}
    where customer_id is not null
    union
    select customer_id from {{ ref('stg_email__sends') }}
    union
    select customer_id from nps_responses
    where customer_id is not null

),

latest_nps_response_at as (

    select
        nps_responses.customer_id,
        max(nps_responses.responded_at) as responded_at
    from nps_responses
    inner join reporting_window
        on nps_responses.responded_at_local < reporting_window.as_of_at
    where nps_responses.customer_id is not null
    group by nps_responses.customer_id

),

latest_nps_response as (

    -- the customer's latest usable response up to the as-of date; on a tie, the greatest response_id
    select
        customer_id,
        responded_at,
        score,
        nps_category
    from (
        select
            nps_responses.customer_id,
            nps_responses.responded_at,
            nps_responses.score,
            nps_responses.nps_category,
            row_number() over (
                partition by nps_responses.customer_id order by nps_responses.response_id desc
            ) as tie_rank
        from nps_responses
        inner join latest_nps_response_at
            on
                nps_responses.customer_id = latest_nps_response_at.customer_id
                and nps_responses.responded_at = latest_nps_response_at.responded_at
    ) as latest
    where tie_rank = 1

),

order_totals as (

    -- counted orders placed before the as-of instant (the sequenced model applies both rules);
    -- avg and median skip the null gap before each customer's first order
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as order_count,
        sum(revenue) as lifetime_revenue,
        avg(days_since_previous_order) as mean_days_between_orders,
        {{ retention.median('days_since_previous_order') }} as median_days_between_orders
    from {{ ref('int_counted_orders_sequenced') }}
    group by customer_id

),

subscription_totals as (

    select
        subscriptions.customer_id,
        min(subscriptions.started_at) as first_paying_subscription_at,
        sum(
            case
                when
                    subscriptions.ended_at_local is null
                    or subscriptions.ended_at_local >= reporting_window.as_of_at
                    then subscriptions.mrr
                else 0
            end
        ) as current_mrr
    from subscriptions
    inner join reporting_window
        on subscriptions.started_at_local < reporting_window.as_of_at
    where subscriptions.is_paying
    group by subscriptions.customer_id

),

final as (

    select
        cast(known_customers.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(crm_customers.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(crm_customers.country as {{ dbt.type_string() }}) as country,
        cast(crm_customers.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast(crm_customers.email_hash as {{ dbt.type_string() }}) as email_hash,
        cast(order_totals.first_order_at as {{ dbt.type_timestamp() }}) as first_order_at,
        cast(order_totals.last_order_at as {{ dbt.type_timestamp() }}) as last_order_at,
        cast(coalesce(order_totals.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,
        cast(coalesce(order_totals.lifetime_revenue, 0) as {{ retention.type_money() }}) as lifetime_revenue,
        {{ retention.average_order_value('order_totals.lifetime_revenue', 'order_totals.order_count') }}
            as average_order_value,
        cast(coalesce(order_totals.order_count, 0) >= 2 as {{ dbt.type_boolean() }}) as is_repeat_customer,
        cast(order_totals.mean_days_between_orders as {{ retention.type_ratio() }}) as mean_days_between_orders,
        cast(
            order_totals.median_days_between_orders as {{ retention.type_ratio() }}
        ) as median_days_between_orders,
        cast(
            subscription_totals.first_paying_subscription_at as {{ dbt.type_timestamp() }}
        ) as first_paying_subscription_at,
        cast(coalesce(subscription_totals.current_mrr, 0) as {{ retention.type_money() }}) as current_mrr,
        cast(coalesce(subscription_totals.current_mrr, 0) > 0 as {{ dbt.type_boolean() }}) as is_active_subscriber,
        cast(latest_nps_response.score as {{ dbt.type_int() }}) as latest_nps_score,
        cast(latest_nps_response.nps_category as {{ dbt.type_string() }}) as latest_nps_category,
        cast(latest_nps_response.responded_at as {{ dbt.type_timestamp() }}) as latest_nps_responded_at
    from known_customers
    left join crm_customers
        on known_customers.customer_id = crm_customers.customer_id
    left join order_totals
        on known_customers.customer_id = order_totals.customer_id
    left join subscription_totals
        on known_customers.customer_id = subscription_totals.customer_id
    left join latest_nps_response
        on known_customers.customer_id = latest_nps_response.customer_id

)

select * from final
