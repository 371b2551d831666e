{#- Reading raw values: one conversion per type, and none of them ever raises.

    A raw column may hold the declared type or text. A value the warehouse
    cannot read comes back null, so the base model can name the reason
    ('unparseable ordered_at'); a value it can read but must not use (a
    timestamp in 2031, an amount of 1e40, NaN) comes back as read, so the base
    model can say 'out of range'. Text is checked against a pattern before it is
    cast, so every engine accepts exactly the same texts:

    - timestamps: ISO 8601, `YYYY-MM-DD`, optionally a space or `T` and
      `HH:MM[:SS[.ffffff]]`, optionally `Z` or an offset `±HH[:MM]`, a real
      calendar day; with an offset the value is that instant in UTC, without
      one it is UTC. `infinity` and `-infinity` read as a far future or past
      instant, and so does a year before 1900 (so they are out of range, not
      unparseable; PostgreSQL has no year 0 to cast).
    - numbers: `[+-]digits[.digits][e±NN]` (at most 20 digits either side of
      the point, so the text casts to decimal(38, 6) exactly, and a two-digit
      exponent), `NaN`, `inf`, `infinity`, any case. -#}

{% macro raw_value_kind(source_type) %}
    {#- What a raw column's warehouse type holds: text, timestamp, number or
        other. none (type unknown) is read as text, which is always safe. -#}
    {%- set data_type = (source_type or 'text') | lower -%}
    {%- if 'char' in data_type or 'text' in data_type or 'string' in data_type -%}
        {{ return('text') }}
    {%- elif 'timestamp' in data_type or 'datetime' in data_type or data_type == 'date' -%}
        {{ return('timestamp') }}
    {%- elif 'int' in data_type or 'dec' in data_type or 'numeric' in data_type or 'double' in data_type
        or 'float' in data_type or 'real' in data_type or 'number' in data_type or 'long' in data_type -%}
        {{ return('number') }}
    {%- endif -%}
    {{ return('other') }}
{% endmacro %}


{% macro raw_text(expression) -%}
    {#- A raw value as trimmed text. -#}
    trim(cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}


{% macro has_raw_value(expression, source_type=none) -%}
    {#- True when the raw value is present: not null and, for text, not blank. -#}
    {%- if retention.raw_value_kind(source_type) == 'text' -%}
        (nullif({{ retention.raw_text(expression) }}, '') is not null)
    {%- else -%}
        ({{ expression }} is not null)
    {%- endif -%}
{%- endmacro %}


{% macro regex_full_match(expression, pattern) %}
    {#- True when the whole text matches the pattern (which is anchored with ^ and
        $ and uses no backslashes, so every engine reads it alike). -#}
    {{ return(adapter.dispatch('regex_full_match', 'retention')(expression, pattern)) }}
{% endmacro %}

{% macro default__regex_full_match(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}


{% macro timestamp_text_pattern() %}
    {{ return(
        '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])'
        ~ '([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?'
        ~ '(Z|[+-](0[0-9]|1[0-4])(:[0-5][0-9])?)?)?$'
    ) }}
{% endmacro %}


{% macro days_in_month(year_expression, month_expression) -%}
    {#- Days in a month of the proleptic Gregorian calendar. -#}
    case
        when {{ month_expression }} in (4, 6, 9, 11) then 30
        when {{ month_expression }} <> 2 then 31
        when
            ({{ year_expression }} % 4 = 0 and {{ year_expression }} % 100 <> 0)
            or {{ year_expression }} % 400 = 0
            then 29
        else 28
    end
{%- endmacro %}


{% macro try_to_timestamp(expression, source_type=none) %}
    {#- A raw timestamp as a UTC timestamp; null when it cannot be read. -#}
    {%- if retention.raw_value_kind(source_type) == 'timestamp' -%}
        {{ return(retention.to_utc_timestamp(expression)) }}
    {%- endif -%}
    {%- set text = retention.raw_text(expression) -%}
    {%- set day_is_valid -%}
        cast(substring({{ text }}, 9, 2) as {{ dbt.type_int() }}) <= {{ retention.days_in_month(
            'cast(substring(' ~ text ~ ', 1, 4) as ' ~ dbt.type_int() ~ ')',
            'cast(substring(' ~ text ~ ', 6, 2) as ' ~ dbt.type_int() ~ ')') }}
    {%- endset -%}
    {%- set has_offset = retention.regex_full_match(text, '^.*[ T][0-9:.]+(Z|[+-][0-9]{2}(:[0-9]{2})?)$') -%}
    {%- set parsed -%}
    case
        when lower({{ text }}) in ('infinity', '+infinity')
            then {{ retention.timestamp_literal('9999-12-31 23:59:59') }}
        when lower({{ text }}) = '-infinity'
            then {{ retention.timestamp_literal('0001-01-01 00:00:00') }}
        when {{ retention.regex_full_match(text, retention.timestamp_text_pattern()) }}
            then case
                when cast(substring({{ text }}, 1, 4) as {{ dbt.type_int() }}) < 1900
                    then {{ retention.timestamp_literal('0001-01-01 00:00:00') }}
                when {{ day_is_valid }}
                    then {{ retention.checked_text_to_utc_timestamp(text, has_offset) }}
            end
    end
    {%- endset -%}
    {{ return(parsed) }}
{% endmacro %}

{% macro checked_text_to_utc_timestamp(text, has_offset) %}
    {{ return(adapter.dispatch('checked_text_to_utc_timestamp', 'retention')(text, has_offset)) }}
{% endmacro %}

{% macro default__checked_text_to_utc_timestamp(text, has_offset) -%}
    case
        when {{ has_offset }}
            then cast(cast({{ text }} as timestamptz) at time zone 'UTC' as {{ dbt.type_timestamp() }})
        else cast({{ text }} as {{ dbt.type_timestamp() }})
    end
{%- endmacro %}

{% macro duckdb__checked_text_to_utc_timestamp(text, has_offset) -%}
    case
        when {{ has_offset }} then timezone('UTC', cast({{ text }} as timestamptz))
        else cast({{ text }} as timestamp)
    end
{%- endmacro %}

{% macro spark__checked_text_to_utc_timestamp(text, has_offset) -%}
    {#- Spark reads an offset in the text itself; without one, the session time
        zone, which the profile sets to UTC. -#}
    cast({{ text }} as timestamp)
{%- endmacro %}


{% macro try_to_date(expression, source_type=none) %}
    {#- A raw date (or timestamp, whose UTC date is taken) as a date; null when
        it cannot be read. -#}
    {{ return('cast(' ~ retention.try_to_timestamp(expression, source_type) ~ ' as date)') }}
{% endmacro %}


{% macro earliest_valid_timestamp() %}
    {{ return(retention.timestamp_literal('1900-01-01 00:00:00')) }}
{% endmacro %}


{% macro latest_valid_timestamp() %}
    {#- The moment this run started plus one day: later timestamps are out of range. -#}
    {%- set latest = run_started_at + modules.datetime.timedelta(days=1) -%}
    {{ return(retention.timestamp_literal(latest.strftime('%Y-%m-%d %H:%M:%S.%f'))) }}
{% endmacro %}


{% macro timestamp_in_range(expression) -%}
    {#- True for a timestamp from 1900-01-01 to the run's start plus one day;
        false for infinities and mistakes like a date in 2031. -#}
    ({{ expression }} >= {{ retention.earliest_valid_timestamp() }}
    and {{ expression }} <= {{ retention.latest_valid_timestamp() }})
{%- endmacro %}


{% macro number_text_pattern() %}
    {{ return('^[+-]?([0-9]{1,20}([.][0-9]{0,20})?|[.][0-9]{1,20})([eE][+-]?[0-9]{1,2})?$') }}
{% endmacro %}


{% macro try_to_number(expression, source_type=none) %}
    {#- A raw number as a double (NaN and infinities included, so they can be
        called out of range); null when it cannot be read. -#}
    {%- set double = retention.type_ratio() -%}
    {%- if retention.raw_value_kind(source_type) == 'number' -%}
        {#- range-checked in the column's own type first: a PostgreSQL numeric
            of 1e400 (or NaN) does not cast to a double -#}
        {{ return('case when abs(' ~ expression ~ ') < 1e15 then cast(' ~ expression ~ ' as ' ~ double
            ~ ") else cast('Infinity' as " ~ double ~ ') end') }}
    {%- endif -%}
    {%- set text = retention.raw_text(expression) -%}
    {%- set parsed -%}
    case
        when lower({{ text }}) in ('nan', '+nan', '-nan') then cast('NaN' as {{ double }})
        when lower({{ text }}) in ('inf', '+inf', 'infinity', '+infinity') then cast('Infinity' as {{ double }})
        when lower({{ text }}) in ('-inf', '-infinity') then cast('-Infinity' as {{ double }})
        when {{ retention.regex_full_match(text, retention.number_text_pattern()) }}
            then cast({{ text }} as {{ double }})
    end
    {%- endset -%}
    {{ return(parsed) }}
{% endmacro %}


{% macro number_in_range(number_expression) -%}
    {#- True for a finite number of magnitude below 10^15. Every supported
        engine orders NaN above every number, so NaN and infinities are out. -#}
    (abs({{ number_expression }}) < 1e15)
{%- endmacro %}


{% macro try_to_money(expression, source_type=none) -%}
    {#- A raw amount as money (decimal major units) when it can be read and is
        in range (number_in_range); null otherwise. -#}
    {%- set value = expression if retention.raw_value_kind(source_type) == 'number' else retention.raw_text(expression) -%}
    case
        when {{ retention.number_in_range(retention.try_to_number(expression, source_type)) }}
            then cast({{ value }} as {{ retention.type_money() }})
    end
{%- endmacro %}


{% macro try_to_whole_number(expression, source_type=none) -%}
    {#- A raw count as a bigint when it is a whole number in range; null
        otherwise. -#}
    {%- set number = retention.try_to_number(expression, source_type) -%}
    case
        when {{ retention.number_in_range(number) }} and {{ number }} = floor({{ number }})
            then cast({{ number }} as {{ dbt.type_bigint() }})
    end
{%- endmacro %}


{% macro try_to_boolean(expression, source_type=none) -%}
    {#- A raw flag as a boolean: a boolean column as it is; text true/t/yes/y/1
        and false/f/no/n/0 in any case; null when absent or unreadable (has_raw_value
        tells the two apart). -#}
    {%- if (source_type or 'text') | lower in ('boolean', 'bool') -%}
        {{ expression }}
    {%- else -%}
        {%- set text = 'lower(' ~ retention.raw_text(expression) ~ ')' -%}
        case
            when {{ text }} in ('true', 't', 'yes', 'y', '1') then true
            when {{ text }} in ('false', 'f', 'no', 'n', '0') then false
        end
    {%- endif -%}
{%- endmacro %}


{% macro trimmed_text(expression) -%}
    {#- A raw text value trimmed, null when blank: how ids and names are read. -#}
    nullif({{ retention.raw_text(expression) }}, '')
{%- endmacro %}
