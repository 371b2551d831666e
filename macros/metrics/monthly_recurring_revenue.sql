{#- MRR of one subscription price period = amount x coalesce(quantity, 1) x f,
    f = 52/12 for a week, 1 for a month, 1/3 for a quarter, 1/12 for a year;
    null for any other billing interval (staging rejects those rows). -#}

{% macro monthly_recurring_revenue_factors() %}
    {#- {billing interval: (numerator, denominator) of f}. -#}
    {{ return({'week': (52, 12), 'month': (1, 1), 'quarter': (1, 3), 'year': (1, 12)}) }}
{% endmacro %}


{% macro monthly_recurring_revenue(amount, quantity, billing_interval) %}
    {{ return(adapter.dispatch('monthly_recurring_revenue', 'retention')(amount, quantity, billing_interval)) }}
{% endmacro %}

{% macro default__monthly_recurring_revenue(amount, quantity, billing_interval) -%}
    {#- multiply before dividing: engines keep different scales for 1.0 / 12.
        PostgreSQL and Spark divide decimals exactly to at least 6 decimals and
        round half away from zero, which the cast keeps. -#}
    cast(
        case {{ billing_interval }}
        {%- for interval, (numerator, denominator) in retention.monthly_recurring_revenue_factors().items() %}
            when '{{ interval }}' then {{ amount }} * coalesce({{ quantity }}, 1)
                {%- if numerator != 1 %} * {{ numerator }}{% endif %}
                {%- if denominator != 1 %} / {{ denominator }}{% endif %}
        {%- endfor %}
        end
        as {{ retention.type_money() }}
    )
{%- endmacro %}

{% macro duckdb__monthly_recurring_revenue(amount, quantity, billing_interval) -%}
    {#- DuckDB divides decimals as doubles (16 significant digits: a weekly
        200000000000000.01 came out as 866666666666666.625 instead of .71), so
        the division is done on whole millionths (hugeint), rounding half away
        from zero as the other engines do. The product is exact: money has 6
        decimals, so amount x quantity x 10^6 is a whole number. -#}
    {%- set millionths = 'cast(cast(' ~ amount ~ ' as ' ~ retention.type_money() ~ ') * coalesce(' ~ quantity
        ~ ', 1) * 1000000 as hugeint)' -%}
    cast(
        case {{ billing_interval }}
        {%- for interval, (numerator, denominator) in retention.monthly_recurring_revenue_factors().items() %}
            when '{{ interval }}' then
                {%- if denominator == 1 %}
                cast({{ millionths }}{% if numerator != 1 %} * {{ numerator }}{% endif %} as decimal(38, 0))
                {%- else %}
                cast(
                    (2 * {{ millionths }} * {{ numerator }}
                        + case when {{ millionths }} < 0 then -{{ denominator }} else {{ denominator }} end)
                    // {{ 2 * denominator }}
                    as decimal(38, 0)
                )
                {%- endif %}
                * cast(0.000001 as decimal(7, 6))
        {%- endfor %}
        end
        as {{ retention.type_money() }}
    )
{%- endmacro %}


{% macro monthly_recurring_revenue_in_range(amount, quantity, billing_interval) -%}
    {#- True when the MRR of a price period (amount x coalesce(quantity, 1) x f,
        before it is rounded) is below 10^15 in magnitude. Compared without
        dividing (amount x quantity x numerator < 10^15 x denominator), so exactly
        on every engine; with an amount and a quantity below 10^15 the product
        stays below 52 x 10^30, inside the money type. Null for another interval. -#}
    {%- set money = retention.type_money() -%}
    case {{ billing_interval }}
    {%- for interval, (numerator, denominator) in retention.monthly_recurring_revenue_factors().items() %}
        when '{{ interval }}' then abs({{ amount }} * coalesce({{ quantity }}, 1)
            {%- if numerator != 1 %} * {{ numerator }}{% endif %})
            < cast({{ denominator }}000000000000000 as {{ money }})
    {%- endfor %}
    end
{%- endmacro %}
