-- The L-ness histogram of each month sums to the users active in that month
-- (fct_engagement's month rows, when the month grain is configured), and
-- users_active_at_least at k = 1 equals it. Returns the months where not.

with

curve as (

    select
        period_start,
        sum(users) as user_total,
        max(active_users) as active_users,
        max(case when days_active = 1 then users_active_at_least end) as users_active_at_least_one_day
    from {{ ref('fct_power_user_curve') }}
    group by period_start

)

select curve.*
from curve
{% if 'month' in retention.period_grains() -%}
left join {{ ref('fct_engagement') }} as engagement
    on
        engagement.period_grain = 'month'
        and curve.period_start = engagement.period_start
{%- endif %}
where
    curve.user_total <> curve.active_users
    or curve.users_active_at_least_one_day <> curve.user_total
    {% if 'month' in retention.period_grains() -%}
    or engagement.active_users is null
    or engagement.active_users <> curve.user_total
    {%- endif %}
