{#- One row: the first activity in the data and the as-of date. Activity is
    any staged order (whatever its status) or subscription price period start,
    in the reporting time zone. -#}

with

orders as (

    select ordered_at_local as activity_at
    from {{ ref('stg_shop__orders') }}

),

subscriptions as (

    select started_at_local as activity_at
    from {{ ref('stg_billing__subscriptions') }}

),

activity as (

    select activity_at from orders
    union all
    select activity_at from subscriptions

),

bounds as (

    select
        cast(min(activity_at) as date) as first_activity_date,
        {% if retention.as_of_date() is not none -%}
            cast('{{ retention.as_of_date() }}' as date)
        {%- else -%}
        cast(max(activity_at) as date)
        {%- endif %} as as_of_date
    from activity

),

final as (

    select
        first_activity_date,
        as_of_date,
        -- the first instant after the as-of date: activity before it is known
        {{ retention.date_to_timestamp(dbt.dateadd('day', 1, 'as_of_date')) }} as as_of_at
    from bounds
    where first_activity_date is not null and first_activity_date <= as_of_date

)

select * from final
