-- The identities of fct_engagement (spec section 7), per period: active users
-- = new + returning + resurrected; the period before's active users =
-- returning + dormant; both stickiness ratios in (0, 1] whenever someone was
-- active. Returns the periods where one fails.

with

engagement as (

    select
        period_grain,
        period_start,
        active_users,
        new_users,
        returning_users,
        resurrected_users,
        dormant_users,
        daily_stickiness,
        monthly_stickiness,
        lag(active_users) over (partition by period_grain order by period_start) as previous_active_users
    from {{ ref('fct_engagement') }}

)

select
    period_grain,
    period_start
from engagement
where
    active_users <> new_users + returning_users + resurrected_users
    or coalesce(previous_active_users, 0) <> returning_users + dormant_users
    or (
        active_users > 0
        and not (
            daily_stickiness > 0 and daily_stickiness <= 1
            and monthly_stickiness > 0 and monthly_stickiness <= 1
        )
    )
    or (active_users = 0 and (daily_stickiness is not null or monthly_stickiness is not null))
