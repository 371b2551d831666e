{% macro exchange_rate(currency_expression) -%}
    {#- The rate converting `currency_expression` into the reporting currency,
        from var exchange_rates (the reporting currency is 1); null when the
        currency has no rate. -#}
    case {{ currency_expression }}
    {%- for code, rate in retention.exchange_rates().items() %}
        when '{{ code }}' then cast({{ rate }} as {{ retention.type_money() }})
    {%- endfor %}
    end
{%- endmacro %}


{% macro in_reporting_currency(amount_expression, rate_expression) -%}
    {#- An amount in the reporting currency: amount x rate as money. A rate of 1
        (the reporting currency itself) leaves the amount as it is, which is the
        same value: at ten million orders, rounding every product back to money
        cost DuckDB 1.5 s per column, and the amounts already in the reporting
        currency are usually all of them. -#}
    case
        when {{ rate_expression }} = 1 then cast({{ amount_expression }} as {{ retention.type_money() }})
        else cast(({{ amount_expression }}) * {{ rate_expression }} as {{ retention.type_money() }})
    end
{%- endmacro %}
