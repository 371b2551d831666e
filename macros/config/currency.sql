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
