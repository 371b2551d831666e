-- DAU can never exceed WAU, nor WAU exceed MAU (when the MAU window is at
-- least 7 days), so DAU/MAU (stickiness) lies in (0, 1] on every day with an
-- active user. One source text reports DAU 4,000 and MAU 2,000, a stickiness
-- of 2: such a row is an error to report, never a ratio to publish, and this
-- test fails on it. Returns the inconsistent days.

select
    activity_date,
    daily_active_users,
    weekly_active_users,
    monthly_active_users,
    new_users,
    dau_mau_ratio
from {{ ref('fct_daily_active_users') }}
where
    daily_active_users > monthly_active_users
    or daily_active_users > weekly_active_users
    {% if retention.mau_window_days() >= 7 -%}
    or weekly_active_users > monthly_active_users
    {%- endif %}
    or new_users > daily_active_users
    or (daily_active_users > 0 and not (dau_mau_ratio > 0 and dau_mau_ratio <= 1))
    or (monthly_active_users = 0 and dau_mau_ratio is not null)
