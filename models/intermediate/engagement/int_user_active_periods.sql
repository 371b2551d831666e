{#- One row per user and period (each configured grain) in which the user was
    active, with the user's previous and next active period of that grain:
    what new, returning, resurrected and dormant users are counted from. -#}

with

user_days as (

    select * from {{ ref('int_user_active_days') }}

),

{% for grain in retention.period_grains() %}
user_periods_{{ grain }} as (

    select distinct
        user_id,
        {{ retention.period_start(grain, 'activity_date') }} as period_start
    from user_days

),

sequenced_{{ grain }} as (

    select
        '{{ grain }}' as period_grain,
        user_id,
        period_start,
        {{ retention.period_add(grain, -1, 'period_start') }} as previous_period_start,
        {{ retention.period_add(grain, 1, 'period_start') }} as next_period_start,
        lag(period_start) over (partition by user_id order by period_start) as previous_active_period_start,
        lead(period_start) over (partition by user_id order by period_start) as next_active_period_start
    from user_periods_{{ grain }}

),

{% endfor %}
final as (

    {% for grain in retention.period_grains() -%}
    select * from sequenced_{{ grain }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final
