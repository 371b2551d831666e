{#- MRR of one subscription price period = amount x coalesce(quantity, 1) x f,
    f = 52/12 for a week, 1 for a month, 1/3 for a quarter, 1/12 for a year;
    null for any other billing interval (staging rejects those rows). -#}
{% macro monthly_recurring_revenue(amount, quantity, billing_interval) %}
    {{ return(adapter.dispatch('monthly_recurring_revenue', 'retention')(amount, quantity, billing_interval)) }}
{% endmacro %}

{% macro default__monthly_recurring_revenue(amount, quantity, billing_interval) -%}
    {#- multiply before dividing: engines keep different scales for 1.0 / 12 -#}
    cast(
        case {{ billing_interval }}
            when 'week' then {{ amount }} * coalesce({{ quantity }}, 1) * 52 / 12
            when 'month' then {{ amount }} * coalesce({{ quantity }}, 1)
            when 'quarter' then {{ amount }} * coalesce({{ quantity }}, 1) / 3
            when 'year' then {{ amount }} * coalesce({{ quantity }}, 1) / 12
        end
        as {{ retention.type_money() }}
    )
{%- endmacro %}
