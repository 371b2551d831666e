{% macro values_at_boundary(period_end_values, periods, boundary_column, columns) -%}
    {#- Re-keys values measured at the end of a period onto the period for which
        that instant is `boundary_column`: with `period_start`, the end of one
        period becomes the start of the next; with `end_12_months_earlier`, it
        becomes the instant twelve months before a later period's end.
        `period_end_values` has period_grain, period_start and `columns`. -#}
    select
        {{ periods }}.period_grain,
        {{ periods }}.period_start,
        {%- for column in columns %}
        {{ period_end_values }}.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ period_end_values }}
    inner join {{ periods }} as measured_periods
        on
            {{ period_end_values }}.period_grain = measured_periods.period_grain
            and {{ period_end_values }}.period_start = measured_periods.period_start
    inner join {{ periods }}
        on
            measured_periods.period_grain = {{ periods }}.period_grain
            and measured_periods.next_period_start = {{ periods }}.{{ boundary_column }}
{%- endmacro %}
