{#- Converting amounts into the reporting currency, exactly. A rate of var
    exchange_rates keeps every digit it was written with (exact_rate), and an
    amount (below 10^15, six decimals) times a rate (below 10^12, at most 17
    significant digits) is computed in decimal with no intermediate rounding,
    then rounded once to money's six decimals: exact to the cent for every
    amount the project accepts and every rate a real currency has. -#}

{% macro rate_type() %}
    {#- The type of the exchange_rate column: holds every valid rate exactly. -#}
    {{ return('decimal(38, 26)') }}
{% endmacro %}


{% macro rate_literal(rate_text) %}
    {#- A rate as a decimal literal of its own precision, so that amount x rate
        stays within 38 digits on every engine. -#}
    {%- set digits = rate_text.replace('.', '').lstrip('0') -%}
    {%- set scale = (rate_text.split('.')[1] | length) if '.' in rate_text else 0 -%}
    {{ return("cast('" ~ rate_text ~ "' as decimal(" ~ [digits | length, scale, 1] | max ~ ', ' ~ scale ~ '))') }}
{% endmacro %}


{% macro exchange_rate(currency_expression) -%}
    {#- The rate converting `currency_expression` into the reporting currency,
        from var exchange_rates (the reporting currency is 1); null when the
        currency has no rate. -#}
    case {{ currency_expression }}
    {%- for code, rate in retention.exchange_rates().items() %}
        when '{{ code }}' then cast('{{ rate }}' as {{ retention.rate_type() }})
    {%- endfor %}
    end
{%- endmacro %}


{% macro in_reporting_currency(amount_expression, rate_expression) -%}
    {#- An amount in the reporting currency: amount x rate, rounded once to
        money. Each configured rate multiplies as a literal of its own precision
        (a column of type rate_type times a money amount could pass 38 digits).
        A rate of 1 (the reporting currency itself) leaves the amount as it is,
        which is the same value: at ten million orders, rounding every product
        back to money cost DuckDB 1.5 s per column, and the amounts already in
        the reporting currency are usually all of them. -#}
    case {{ rate_expression }}
        when 1 then cast({{ amount_expression }} as {{ retention.type_money() }})
    {%- for rate in retention.exchange_rates().values() | unique | reject('equalto', '1') %}
        when {{ retention.rate_literal(rate) }}
            then cast(({{ amount_expression }}) * {{ retention.rate_literal(rate) }} as {{ retention.type_money() }})
    {%- endfor %}
    end
{%- endmacro %}
