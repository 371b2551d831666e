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


{% macro as_of_date() %}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a date written YYYY-MM-DD (or null for the latest activity in the data); got '" ~ text ~ "'.") }}
    {%- endif -%}
    {%- set parsed = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
    {{ return(text) }}
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
