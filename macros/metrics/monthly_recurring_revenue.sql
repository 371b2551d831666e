{#- MRR of one subscription price period = amount x coalesce(quantity, 1) x f,
    f = 52/12 for a week, 1 for a month, 1/3 for a quarter, 1/12 for a year;
    null for any other billing interval (staging rejects those rows). -#}
{% macro monthly_recurring_revenue(amount, quantity, billing_interval) %}
    {{ return(adapter.dispatch('monthly_recurring_revenue', 'retention')(amount, quantity, billing_interval)) }}
{% endmacro %}

{% macro default__monthly_recurring_revenue(amount, quantity, billing_interval) -%}
    cast(
        {{ amount }} * coalesce({{ quantity }}, 1) * case {{ billing_interval }}
            when 'week' then 52.0 / 12
            when 'month' then 1.0
            when 'quarter' then 1.0 / 3
            when 'year' then 1.0 / 12
        end
        as {{ retention.type_money() }}
    )
{%- endmacro %}
