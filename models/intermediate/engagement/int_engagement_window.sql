{#- One row: the first day any user was active and the as-of date; no row
    without an active user-day. The engagement marts run over these days. -#}

with

reporting_window as (

    select * from {{ ref('int_reporting_window') }}

),

user_days as (

    select * from {{ ref('int_user_active_days') }}

),

bounds as (

    select
        min(user_days.activity_date) as first_active_date,
        min(reporting_window.as_of_date) as as_of_date
    from user_days
    cross join reporting_window

),

final as (

    select
        first_active_date,
        as_of_date
    from bounds
    where first_active_date is not null

)

select * from final
