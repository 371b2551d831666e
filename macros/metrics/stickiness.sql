{#- Stickiness = users active in the short window / users active in the long one (DAU/MAU, MAU/YAU); in (0, 1] when computed from events. -#}
{% macro stickiness(short_window_active_users, long_window_active_users) -%}
    {{ retention.safe_divide(short_window_active_users, long_window_active_users) }}
{%- endmacro %}
