{#- Validated access to the project's variables. A mistake fails compilation
    with a message that says which variable to change and how. (The Python CLV
    models cannot call macros: int_clv_rfm_summary validates their vars.) -#}

{% macro is_finite_number(value) %}
    {#- A number that is not a boolean, NaN or an infinity (nan * 0 and inf * 0 are nan, never 0). -#}
    {{ return(value is number and value is not boolean and value * 0 == 0) }}
{% endmacro %}


{% macro supported_period_grains() %}
    {{ return(['month', 'quarter', 'year']) }}
{% endmacro %}


{% macro period_grains() %}
    {%- set grains = var('period_grains', ['month', 'quarter', 'year']) -%}
    {%- if grains is string -%}
        {%- set grains = [grains] -%}
    {%- endif -%}
    {%- if grains is none or grains is mapping or grains is not iterable -%}
        {{ exceptions.raise_compiler_error("var period_grains must be a list drawn from " ~ retention.supported_period_grains() | join(', ') ~ ", e.g. [month, quarter, year]; got '" ~ grains ~ "'.") }}
    {%- endif -%}
    {%- if grains | length == 0 -%}
        {{ exceptions.raise_compiler_error("var period_grains is empty: set it to a list drawn from " ~ retention.supported_period_grains() | join(', ') ~ ", e.g. [month, quarter, year].") }}
    {%- endif -%}
    {%- for grain in grains -%}
        {%- if grain not in retention.supported_period_grains() -%}
            {{ exceptions.raise_compiler_error("var period_grains has '" ~ grain ~ "', which is not a supported grain: use values from " ~ retention.supported_period_grains() | join(', ') ~ ".") }}
        {%- endif -%}
        {%- if grains[:loop.index0] | select('equalto', grain) | list | length > 0 -%}
            {{ exceptions.raise_compiler_error("var period_grains lists '" ~ grain ~ "' twice: list each grain once, e.g. [month, quarter, year].") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(grains) }}
{% endmacro %}


{% macro reporting_currency() %}
    {%- set currency = var('reporting_currency', 'USD') -%}
    {%- if currency is not string or not modules.re.match('^[A-Za-z]{3}$', currency | trim) -%}
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
        {%- if code is not string or not modules.re.match('^[A-Za-z]{3}$', code | trim) -%}
            {{ exceptions.raise_compiler_error("var exchange_rates has the key '" ~ code ~ "': keys must be three-letter ISO 4217 codes.") }}
        {%- endif -%}
        {%- if not retention.is_finite_number(rate) or rate <= 0 -%}
            {{ exceptions.raise_compiler_error("var exchange_rates gives " ~ code ~ " the rate '" ~ rate ~ "': rates must be numbers above zero (units of the reporting currency per unit of " ~ code ~ ").") }}
        {%- endif -%}
        {%- do checked.update({code | string | trim | upper: rate}) -%}
    {%- endfor -%}
    {%- do checked.update({retention.reporting_currency(): 1}) -%}
    {{ return(checked) }}
{% endmacro %}


{% macro reporting_timezone() %}
    {%- set tz = var('reporting_timezone', 'UTC') -%}
    {%- if tz is not string or tz not in modules.pytz.all_timezones -%}
        {{ exceptions.raise_compiler_error("var reporting_timezone '" ~ tz ~ "' is not an IANA time zone name: use one such as UTC or Europe/Berlin.") }}
    {%- endif -%}
    {{ return(tz) }}
{% endmacro %}


{% macro date_var(name, meaning_of_null) %}
    {#- A var holding a real calendar date written YYYY-MM-DD, or none. The
        month's length comes from modules.datetime, so 2024-02-30 and 2023-02-29
        fail here, naming the var, instead of in the warehouse's cast. -#}
    {%- set value = var(name, none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set valid = modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
    {%- if valid -%}
        {%- set year, month, day = text.split('-') | map('int') -%}
        {%- set valid = year >= 1 and 1 <= month <= 12 and day >= 1 -%}
        {%- if valid -%}
            {%- set days_in_month = 31 if month == 12 else (
                modules.datetime.date(year, month + 1, 1) - modules.datetime.timedelta(days=1)).day -%}
            {%- set valid = day <= days_in_month -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not valid -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a date written YYYY-MM-DD, a day the calendar has (or null for " ~ meaning_of_null ~ "); got '" ~ text ~ "'.") }}
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
    {%- if unit is not string or unit not in units -%}
        {{ exceptions.raise_compiler_error("var clv_time_unit must be one of day, week, month; got '" ~ unit ~ "'.") }}
    {%- endif -%}
    {{ return(units[unit]) }}
{% endmacro %}


{% macro clv_horizon() %}
    {#- Read by fct_customer_clv (a Python model, through its config), validated
        at compile time by int_clv_rfm_summary. -#}
    {%- set horizon = var('clv_horizon', 52) -%}
    {%- if not retention.is_finite_number(horizon) or horizon <= 0 -%}
        {{ exceptions.raise_compiler_error("var clv_horizon must be a number of clv_time_unit units above zero, e.g. 52; got '" ~ horizon ~ "'.") }}
    {%- endif -%}
    {{ return(horizon) }}
{% endmacro %}


{% macro clv_on_fit_failure() %}
    {#- What a CLV fit that cannot be trusted does: error (the default) fails
        the build; warn publishes it with converged = false and null
        predictions, and a warn-severity data test reports it. Read by the
        Python CLV models through their config, validated at compile time by
        int_clv_rfm_summary. -#}
    {%- set mode = var('clv_on_fit_failure', 'error') -%}
    {%- if mode not in ['error', 'warn'] -%}
        {{ exceptions.raise_compiler_error("var clv_on_fit_failure must be error (the default: a CLV fit that does not converge fails the build) or warn (publish it with converged = false and null predictions); got '" ~ mode ~ "'.") }}
    {%- endif -%}
    {{ return(mode) }}
{% endmacro %}


{% macro orders_activity_window_days() %}
    {%- set days = var('orders_activity_window_days', none) -%}
    {%- if days is none or days == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not retention.is_finite_number(days) or days != (days | int) or days < 1 -%}
        {{ exceptions.raise_compiler_error("var orders_activity_window_days must be a whole number of days above zero, or null for one period of the grain; got '" ~ days ~ "'.") }}
    {%- endif -%}
    {{ return(days | int) }}
{% endmacro %}


{% macro raw_schema() %}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- if schema is not string or (schema | trim) == '' -%}
        {{ exceptions.raise_compiler_error("var raw_schema must be the name of the schema holding your raw tables, e.g. raw or my_raw; got '" ~ schema ~ "'.") }}
    {%- endif -%}
    {{ return(schema) }}
{% endmacro %}


{% macro raw_database() %}
    {#- none means the target's database. -#}
    {%- set database = var('raw_database', none) -%}
    {%- if database is not none and (database is not string or (database | trim) == '') -%}
        {{ exceptions.raise_compiler_error("var raw_database must be the name of the database holding your raw tables (leave it unset for the target's database); got '" ~ database ~ "'.") }}
    {%- endif -%}
    {{ return(database) }}
{% endmacro %}


{% macro demo_data_enabled() %}
    {#- Seeds load into the raw schema only while it is the default one, unless
        load_demo_data says otherwise, so a user's own tables are never overwritten.
        Every raw relation asks this first, so it also validates where the raw
        tables are (raw_schema, raw_database). -#}
    {%- set raw_schema = retention.raw_schema() -%}
    {%- do retention.raw_database() -%}
    {%- set load = var('load_demo_data', raw_schema == 'raw') -%}
    {%- if load is string and (load | trim | lower) in ['true', 'false'] -%}
        {%- set load = (load | trim | lower) == 'true' -%}
    {%- endif -%}
    {%- if load is not boolean -%}
        {{ exceptions.raise_compiler_error("var load_demo_data must be true or false (whether the demo seeds load into raw_schema); got '" ~ load ~ "'.") }}
    {%- endif -%}
    {{ return(load) }}
{% endmacro %}


{% macro active_event_names() %}
    {#- The event names that make a user active, as a list of strings; none
        means every event counts. -#}
    {%- set names = var('active_event_names', none) -%}
    {%- if names is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if names is string or names is mapping or names is not iterable -%}
        {{ exceptions.raise_compiler_error("var active_event_names must be a list of event names, e.g. [login, create_report], or null to count every event; got '" ~ names ~ "'.") }}
    {%- endif -%}
    {%- if names | length == 0 -%}
        {{ exceptions.raise_compiler_error("var active_event_names is an empty list, so no user would ever be active: list the event names that count, e.g. [login], or set it to null to count every event.") }}
    {%- endif -%}
    {%- for name in names -%}
        {%- if name is not string or (name | trim) == '' or (name | trim) != name or "'" in name or '\\' in name -%}
            {{ exceptions.raise_compiler_error("var active_event_names has '" ~ name ~ "', which is not an event name: list non-empty names without surrounding spaces, quotes or backslashes, as events.event_name holds them (compared trimmed, case-sensitive), e.g. [login].") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{% macro mau_window_days() %}
    {%- set days = var('mau_window_days', 30) -%}
    {%- if not retention.is_finite_number(days) or days != (days | int) or days < 1 or days > 366 -%}
        {{ exceptions.raise_compiler_error("var mau_window_days must be a whole number of days from 1 to 366 (monthly_active_users counts the users active on that many days ending on each day; default 30); got '" ~ days ~ "'.") }}
    {%- endif -%}
    {{ return(days | int) }}
{% endmacro %}
