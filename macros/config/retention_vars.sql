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
    {#- {CODE: rate} from var exchange_rates, each rate as exact decimal text
        (exact_rate); the reporting currency's own rate is 1. -#}
    {%- set rates = var('exchange_rates', {}) or {} -%}
    {%- if rates is not mapping -%}
        {{ exceptions.raise_compiler_error("var exchange_rates must be a mapping of currency code to rate, e.g. {EUR: 1.08}; got '" ~ rates ~ "'.") }}
    {%- endif -%}
    {%- set checked = {} -%}
    {%- for code, rate in rates.items() -%}
        {%- if code is not string or not modules.re.match('^[A-Za-z]{3}$', code | trim) -%}
            {{ exceptions.raise_compiler_error("var exchange_rates has the key '" ~ code ~ "': keys must be three-letter ISO 4217 codes.") }}
        {%- endif -%}
        {%- do checked.update({code | string | trim | upper: retention.exact_rate(code | string | trim | upper, rate)}) -%}
    {%- endfor -%}
    {%- do checked.update({retention.reporting_currency(): '1'}) -%}
    {{ return(checked) }}
{% endmacro %}


{% macro exact_rate(code, rate) %}
    {#- A rate of var exchange_rates as plain decimal text, exactly as written
        (YAML's 3.93e-05 is 0.0000393; text such as '4e-07', which YAML does
        not read as a number, is taken as the number it spells). A rate is
        above zero, below 10^12, with at most 17 significant digits and 26
        decimals: then amount x rate is computed exactly for every amount
        below 10^15 (macros/config/currency.sql) on every engine. -#}
    {%- set rule = "rates must be numbers above zero and below 10^12, written with at most 17 significant digits and 26 decimals, e.g. 1.08 or 0.0000393 (units of " ~ retention.reporting_currency() ~ " per unit of " ~ code ~ ")" -%}
    {%- if rate is boolean or not (rate is number or rate is string) or (rate is number and not retention.is_finite_number(rate)) -%}
        {{ exceptions.raise_compiler_error("var exchange_rates gives " ~ code ~ " " ~ tojson(rate) ~ ", which is not a number: " ~ rule ~ ".") }}
    {%- endif -%}
    {%- set text = rate | string | trim -%}
    {%- set parts = modules.re.match('^([+-]?)([0-9]*)(?:[.]([0-9]*))?(?:[eE]([+-]?[0-9]{1,3}))?$', text) -%}
    {%- if not parts or (parts.group(2) ~ (parts.group(3) or '')) == '' -%}
        {%- set read = "the text '" ~ text ~ "'" if rate is string else "'" ~ text ~ "'" -%}
        {{ exceptions.raise_compiler_error("var exchange_rates gives " ~ code ~ " " ~ read ~ ", which is not a number: " ~ rule ~ ".") }}
    {%- endif -%}
    {%- set fraction = parts.group(3) or '' -%}
    {%- set number = namespace(digits=(parts.group(2) ~ fraction).lstrip('0'), exponent=(parts.group(4) or '0') | int - fraction | length) -%}
    {%- for _ in range(number.digits | length) if number.digits.endswith('0') -%}
        {%- set number.digits = number.digits[:-1] -%}
        {%- set number.exponent = number.exponent + 1 -%}
    {%- endfor -%}
    {%- set read = ("the text '" ~ text ~ "'") if rate is string else ("'" ~ text ~ "'") -%}
    {%- if parts.group(1) == '-' or number.digits == '' or number.digits | length > 17 or number.exponent < -26
        or (number.digits | length) + number.exponent > 12 -%}
        {{ exceptions.raise_compiler_error("var exchange_rates gives " ~ code ~ " " ~ read ~ ": " ~ rule ~ ".") }}
    {%- endif -%}
    {%- if number.exponent >= 0 -%}
        {{ return(number.digits ~ '0' * number.exponent) }}
    {%- endif -%}
    {%- set padded = '0' * (1 - number.exponent - number.digits | length) ~ number.digits -%}
    {{ return(padded[:number.exponent] ~ '.' ~ padded[number.exponent:]) }}
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


{% macro demo_schema() %}
    {#- The schema of the demo seeds (dbt_project.yml, seeds: +schema; the
        sources' YAML): theirs alone, so demo data never lands where a user's
        raw tables are. -#}
    {{ return('retention_demo') }}
{% endmacro %}


{% macro checked_raw_schema() %}
    {#- var raw_schema as given (none when unset), checked: a name, not blank,
        and not the demo's schema. -#}
    {%- set schema = var('raw_schema', none) -%}
    {%- if schema is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if schema is not string or (schema | trim) == '' -%}
        {{ exceptions.raise_compiler_error("var raw_schema must be the name of the schema holding your raw tables, e.g. raw or my_raw; got '" ~ schema ~ "'.") }}
    {%- endif -%}
    {%- do retention.check_quotable_name('raw_schema', schema) -%}
    {%- if (schema | trim | lower) == retention.demo_schema() -%}
        {{ exceptions.raise_compiler_error("var raw_schema is '" ~ schema ~ "', the schema the demo seeds load into: keep your raw tables in a schema of their own and set raw_schema to it, e.g. raw or my_raw.") }}
    {%- endif -%}
    {{ return(schema) }}
{% endmacro %}


{% macro check_quotable_name(var_name, name) %}
    {#- A schema or database name reaches SQL as a quoted identifier, which dbt
        writes without escaping, and inside string literals of the adapters' own
        metadata queries (dbt-duckdb pastes it between apostrophes as it is).
        So a name holding a quote of any kind, a backslash or a control
        character could end either and run SQL nobody wrote: it is refused here,
        before any query, naming the var. -#}
    {%- if modules.re.search("[\"'`\\\\\x00-\x1f\x7f]", name) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " is " ~ tojson(name) ~ ": a schema or database name here may not hold an apostrophe, a double quote, a backtick, a backslash or a control character (newline, tab, ...). Rename the schema, or give your raw tables a view in a schema with a plain name, and set " ~ var_name ~ " to it.") }}
    {%- endif -%}
{% endmacro %}


{% macro raw_database() %}
    {#- none means the target's database. -#}
    {%- set database = var('raw_database', none) -%}
    {%- if database is not none and (database is not string or (database | trim) == '') -%}
        {{ exceptions.raise_compiler_error("var raw_database must be the name of the database holding your raw tables (leave it unset for the target's database); got '" ~ database ~ "'.") }}
    {%- endif -%}
    {%- if database is not none -%}
        {%- do retention.check_quotable_name('raw_database', database) -%}
    {%- endif -%}
    {{ return(database) }}
{% endmacro %}


{% macro demo_data_enabled() %}
    {#- Whether the project builds the demo shop: var load_demo_data, by default
        true only while neither raw_schema nor raw_database names the user's own
        tables. The demo seeds load into the demo's own schema and nowhere else,
        so no setting makes them overwrite a user's table; asking for the demo
        and naming your own tables at once is refused. seeds/raw/_raw__seeds.yml
        and the sources' YAML apply the same rule while dbt parses. Every raw
        relation asks this first, so it also validates raw_schema and
        raw_database. -#}
    {%- set raw_schema = retention.checked_raw_schema() -%}
    {%- set raw_database = retention.raw_database() -%}
    {%- set own_tables = raw_schema is not none or raw_database is not none -%}
    {%- set load = var('load_demo_data', none) -%}
    {%- if load is none -%}
        {%- set load = not own_tables -%}
    {%- endif -%}
    {%- if load is string and (load | trim | lower) in ['true', 'false'] -%}
        {%- set load = (load | trim | lower) == 'true' -%}
    {%- endif -%}
    {%- if load is not boolean -%}
        {{ exceptions.raise_compiler_error("var load_demo_data must be true or false (whether to build the demo shop from the demo seeds); got '" ~ load ~ "'.") }}
    {%- endif -%}
    {%- if load and own_tables -%}
        {{ exceptions.raise_compiler_error("var load_demo_data is true (build the demo shop from schema " ~ retention.demo_schema() ~ ") while var raw_schema or raw_database names your own tables ('" ~ (raw_database or '') ~ "'.'" ~ (raw_schema or '') ~ "'): to build from your tables set load_demo_data: false or leave it unset; to build the demo, unset raw_schema and raw_database.") }}
    {%- endif -%}
    {{ return(load) }}
{% endmacro %}


{% macro max_rejected_share() %}
    {#- The largest share of a source's distinct raw rows that may be rejected
        before the run stops (check_usable_rows); 0.5 by default, 1 never stops. -#}
    {%- set share = var('max_rejected_share', 0.5) -%}
    {%- if not retention.is_finite_number(share) or share < 0 or share > 1 -%}
        {{ exceptions.raise_compiler_error("var max_rejected_share must be a fraction from 0 to 1 (the share of a source's raw rows that may be rejected before the run stops; default 0.5, 1 never stops); got '" ~ share ~ "'.") }}
    {%- endif -%}
    {{ return(share) }}
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
