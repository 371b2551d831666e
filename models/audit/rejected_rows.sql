{#- Raw rows that cannot be used, one per distinct raw row, with the reason.
    Nothing is dropped silently: raw rows = staged + exact duplicates + these. -#}

with

orders as (

    select
        'orders' as source_table,
        order_id as source_key,
        customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_shop__orders') }}
    where rejection_reason is not null

),

subscriptions as (

    select
        'subscriptions' as source_table,
        subscription_id || '@' || coalesce(cast(started_at as {{ dbt.type_string() }}), '') as source_key,
        customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_billing__subscriptions') }}
    where rejection_reason is not null

),

customers as (

    select
        'customers' as source_table,
        customer_id as source_key,
        customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_crm__customers') }}
    where rejection_reason is not null

),

acquisition_costs as (

    select
        'acquisition_costs' as source_table,
        coalesce(cast(cost_month as {{ dbt.type_string() }}), '') || '@' || coalesce(channel, '') as source_key,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_marketing__acquisition_costs') }}
    where rejection_reason is not null

),

events as (

    select
        'events' as source_table,
        event_id as source_key,
        customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_product__events') }}
    where rejection_reason is not null

),

email_sends as (

    select
        'email_sends' as source_table,
        send_id as source_key,
        customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_email__sends') }}
    where rejection_reason is not null

),

email_events as (

    select
        'email_events' as source_table,
        send_id as source_key,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_email__events') }}
    where rejection_reason is not null

),

nps_responses as (

    select
        'nps_responses' as source_table,
        response_id as source_key,
        customer_id,
        rejection_reason as reason,
        raw_row
    from {{ ref('base_survey__nps_responses') }}
    where rejection_reason is not null

),

final as (

    select * from orders
    union all
    select * from subscriptions
    union all
    select * from customers
    union all
    select * from acquisition_costs
    union all
    select * from events
    union all
    select * from email_sends
    union all
    select * from email_events
    union all
    select * from nps_responses

)

select * from final
