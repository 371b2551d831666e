{#- Validated access to the project's variables. A mistake fails compilation
    with a message that says which variable to change and how. -#}

{% macro supported_period_grains() %}
    {{ return(['month', 'quarter', 'year']) }}
{% endmacro %}


{% macro period_grains() %}
    {%- set grains = var('period_grains', ['month', 'quarter', 'year']) -%}
    {%- if grains is string -%}
        {%- set grains = [grains] -%}
    {%- endif -%}
    {%- if grains | length == 0 -%}
        {{ exceptions.raise_compiler_error("var period_grains is empty: set it to a list drawn from " ~ retention.supported_period_grains() | join(', ') ~ ", e.g. [month, quarter, year].") }}
    {%- endif -%}
    {%- for grain in grains -%}
        {%- if grain not in retention.supported_period_grains() -%}
            {{ exceptions.raise_compiler_error("var period_grains has '" ~ grain ~ "', which is not a supported grain: use values from " ~ retention.supported_period_grains() | join(', ') ~ ".") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(grains) }}
{% endmacro %}


{% macro reporting_currency() %}
    {%- set currency = var('reporting_currency', 'USD') -%}
    {%- if currency is not string or (currency | trim | length) != 3 -%}
        {{ exceptions.raise_compiler_error("var reporting_currency must be a three-letter ISO 4217 code such as USD; got '" ~ currency ~ "'.") }}
    {%- endif -%}
    {{ return(currency | trim | upper) }}
{% endmacro %}


{% macro exchange_rates() %}
    {%- set rates = var('exchange_rates', {}) or {} -%}
    {%- if rates is not mapping -%}
        {{ exceptions.raise_compiler_error("var exchange_rates must be a mapping of currency code to rate, e.g. {EUR: 1.08}; got '" ~ rates ~ "'.") }}
    {%- endif -%}
    {%- set checked = {} -%}
    {%- for code, rate in rates.items() -%}
        {%- if (code | string | trim | length) != 3 -%}
            {{ exceptions.raise_compiler_error("var exchange_rates has the key '" ~ code ~ "': keys must be three-letter ISO 4217 codes.") }}
        {%- endif -%}
        {%- if rate is not number or rate <= 0 -%}
            {{ exceptions.raise_compiler_error("var exchange_rates gives " ~ code ~ " the rate '" ~ rate ~ "': rates must be numbers above zero (units of the reporting currency per unit of " ~ code ~ ").") }}
        {%- endif -%}
        {%- do checked.update({code | string | trim | upper: rate}) -%}
    {%- endfor -%}
    {%- do checked.update({retention.reporting_currency(): 1}) -%}
    {{ return(checked) }}
{% endmacro %}


{% macro reporting_timezone() %}
    {%- set tz = var('reporting_timezone', 'UTC') -%}
    {%- if tz not in modules.pytz.all_timezones -%}
        {{ exceptions.raise_compiler_error("var reporting_timezone '" ~ tz ~ "' is not an IANA time zone name: use one such as UTC or Europe/Berlin.") }}
    {%- endif -%}
    {{ return(tz) }}
{% endmacro %}


{% macro date_var(name, meaning_of_null) %}
    {#- A var holding a date written YYYY-MM-DD, or none. -#}
    {%- set value = var(name, none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set valid = modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
    {%- if valid -%}
        {%- set year, month, day = text.split('-') | map('int') -%}
        {%- set valid = 1 <= month <= 12 and 1 <= day <= 31 -%}
    {%- endif -%}
    {%- if not valid -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a date written YYYY-MM-DD (or null for " ~ meaning_of_null ~ "); got '" ~ text ~ "'.") }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{% macro as_of_date() %}
    {{ return(retention.date_var('as_of_date', 'the latest activity in the data')) }}
{% endmacro %}


{% macro clv_calibration_end() %}
    {{ return(retention.date_var('clv_calibration_end', 'the as-of date')) }}
{% endmacro %}


{% macro clv_time_unit_days() %}
    {#- Days in one unit of var clv_time_unit. -#}
    {%- set units = {'day': 1, 'week': 7, 'month': 30.4375} -%}
    {%- set unit = var('clv_time_unit', 'week') -%}
    {%- if unit not in units -%}
        {{ exceptions.raise_compiler_error("var clv_time_unit must be one of day, week, month; got '" ~ unit ~ "'.") }}
    {%- endif -%}
    {{ return(units[unit]) }}
{% endmacro %}


{% macro clv_horizon() %}
    {%- set horizon = var('clv_horizon', 52) -%}
    {%- if horizon is not number or horizon <= 0 -%}
        {{ exceptions.raise_compiler_error("var clv_horizon must be a number of clv_time_unit units above zero, e.g. 52; got '" ~ horizon ~ "'.") }}
    {%- endif -%}
    {{ return(horizon) }}
{% endmacro %}


{% macro orders_activity_window_days() %}
    {%- set days = var('orders_activity_window_days', none) -%}
    {%- if days is none or days == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if days is not number or days != (days | int) or days < 1 -%}
        {{ exceptions.raise_compiler_error("var orders_activity_window_days must be a whole number of days above zero, or null for one period of the grain; got '" ~ days ~ "'.") }}
    {%- endif -%}
    {{ return(days | int) }}
{% endmacro %}


{% macro demo_data_enabled() %}
    {#- Seeds load into the raw schema only while it is the default one, unless
        load_demo_data says otherwise, so a user's own tables are never overwritten. -#}
    {{ return(var('load_demo_data', var('raw_schema', 'raw') == 'raw') | as_bool) }}
{% endmacro %}
