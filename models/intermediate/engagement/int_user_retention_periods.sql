{#- One row per grain of fct_user_retention (day, week from Monday, month),
    user and period in which the user was active, with the user's first and
    last active period of the grain: the cohort and what unbounded retention
    is counted from. Built from the active user-days alone, so its rows and
    cost grow with them, never with users x periods. -#}

{%- set grains = ['day', 'week', 'month'] %}

with

user_days as (

    select * from {{ ref('int_user_active_days') }}

),

{% for grain in grains %}
user_periods_{{ grain }} as (

    select distinct
        '{{ grain }}' as period_grain,
        user_id,
        {{ retention.period_start(grain, 'activity_date') }} as period_start
    from user_days

),

{% endfor %}
user_periods as (

    {% for grain in grains -%}
    select * from user_periods_{{ grain }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        period_grain,
        user_id,
        period_start,
        min(period_start) over (partition by period_grain, user_id) as cohort_period_start,
        max(period_start) over (partition by period_grain, user_id) as last_active_period_start
    from user_periods

)

select * from final
