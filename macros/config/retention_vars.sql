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


{% macro demo_schema() %}
    {#- The schema of the demo seeds (dbt_project.yml, seeds: +schema; the
        sources' YAML): theirs alone, so demo data never lands where a user's
        raw tables are. -#}
    {{ return('retention_demo') }}
{% endmacro %}


{% macro raw_schema() %}
    {#- The schema the raw tables are read from: var raw_schema; without it,
        the demo's schema while the demo loads, else raw. -#}
    {%- set schema = var('raw_schema', none) -%}
    {%- if schema is none -%}
        {{ return(retention.demo_schema() if retention.demo_data_enabled() else 'raw') }}
    {%- endif -%}
    {{ return(retention.checked_raw_schema()) }}
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
    {#- A schema or database name reaches SQL as a quoted identifier (dbt quotes
        it without escaping) and as a string literal (escaped). A double quote,
        backtick or control character could end the identifier, so a name with
        one is refused; any other character, an apostrophe included, is only
        ever part of the name. -#}
    {%- if modules.re.search('["`\x00-\x1f\x7f]', name) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " is " ~ tojson(name) ~ ": a schema or database name here may not hold a double quote, a backtick or a control character (newline, tab, ...). Rename the schema, or set " ~ var_name ~ " to the name exactly as the warehouse shows it.") }}
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
