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
      the point, a one- or two-digit exponent, and no digit beyond the 18th
      decimal place once the exponent is applied), `NaN`, `inf`, `infinity`,
      any case. A number is judged on its exact value (try_to_exact_number):
      the 10^15 bound, signs and refunds are compared before anything is
      rounded; money keeps 6 decimals, rounded once after the checks. -#}

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
    {#- `[+-]digits[.digits][e±NN]`: at most 20 digits either side of the point,
        an exponent of one or two digits, and no digit beyond the 18th decimal
        place once the exponent is applied (`1.5e-17` is a number, `1.5e-18` and
        `0.0000000000000000001` are not), so every text it admits below 10^16
        casts to decimal(38, 18) exactly on every engine. The last rule is spelled
        out per exponent: with an exponent of -k the fraction has at most 18 - k
        digits. -#}
    {%- set places = 18 -%}
    {%- set forms = [
        retention.number_mantissa_pattern(places) ~ '([eE][+-]?0{1,2})?',
        retention.number_mantissa_pattern(places + 1) ~ '[eE][+]?0?1',
        retention.number_mantissa_pattern(20) ~ '[eE][+]?([2-9]|0[2-9]|[1-9][0-9])',
    ] -%}
    {%- for k in range(1, places + 1) -%}
        {%- do forms.append(retention.number_mantissa_pattern(places - k) ~ '[eE]-'
            ~ ('0?' ~ k if k < 10 else k)) -%}
    {%- endfor -%}
    {{ return('^[+-]?(' ~ forms | join('|') ~ ')$') }}
{% endmacro %}

{% macro number_mantissa_pattern(fraction_digits) %}
    {#- Up to 20 digits, a point and at most `fraction_digits` digits after it. -#}
    {%- if fraction_digits == 0 -%}
        {{ return('[0-9]{1,20}[.]?') }}
    {%- endif -%}
    {{ return('([0-9]{1,20}([.][0-9]{0,' ~ fraction_digits ~ '})?|[.][0-9]{1,' ~ fraction_digits ~ '})') }}
{% endmacro %}


{% macro is_binary_float_type(source_type) %}
    {#- True for a double or float column (whose values are binary fractions). -#}
    {%- set data_type = (source_type or '') | lower -%}
    {{ return('double' in data_type or 'float' in data_type or 'real' in data_type) }}
{% endmacro %}


{% macro type_exact_number() %}
    {#- Every number written as text that may be usable or near the bounds
        (magnitude below 10^16) exactly, with 18 decimals: 16 + 18 digits of 38. -#}
    {{ return('decimal(38, 18)') }}
{% endmacro %}


{% macro decimal_scale(source_type) %}
    {#- The scale of a decimal(p, s) / numeric(p, s) warehouse type; none when the
        type names none. -#}
    {%- set found = modules.re.search(
        '(dec|num)[a-z]*[ ]*[(][ ]*[0-9]+[ ]*,[ ]*([0-9]+)[ ]*[)]', (source_type or '') | lower
    ) -%}
    {{ return(found.group(2) | int if found else none) }}
{% endmacro %}


{% macro try_to_number(expression, source_type=none) %}
    {#- A raw number as a double (NaN and infinities included, so they can be
        called out of range); null when it cannot be read. A double is close
        enough to tell unparseable from readable and to read scores; ranges,
        signs and amounts go through try_to_exact_number. -#}
    {%- set double = retention.type_ratio() -%}
    {%- if retention.raw_value_kind(source_type) == 'number' -%}
        {#- bounded in the column's own type first, without abs() (the smallest
            bigint has no absolute value): a PostgreSQL numeric of 1e400 (or NaN)
            does not cast to a double -#}
        {{ return('case when ' ~ expression ~ ' > -1e16 and ' ~ expression ~ ' < 1e16 then cast(' ~ expression
            ~ ' as ' ~ double ~ ') when ' ~ expression ~ " is not null then cast('Infinity' as " ~ double
            ~ ') end') }}
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


{% macro try_to_exact_number(expression, source_type=none, number_expression=none) %}
    {#- A raw number's exact value, for the range check, signs and comparisons,
        which are made before anything is rounded:
        - a decimal or integer column: the column itself, compared in its own
          type (a decimal with more than 22 decimals, which cannot hold 10^15
          to compare with, is cast to decimal(38, 22): its values are below
          10^15 anyway);
        - a double or float column: the double itself (its sign and order are
          exact; a decimal could not hold 1e-300);
        - text checked against number_text_pattern: a decimal(38, 18), which
          holds it exactly; null when it cannot be read or is of magnitude 10^16
          or more (a double decides that first, so no cast can overflow).
          `number_expression`, try_to_number's value of the same raw value when
          the model has it at hand, saves matching the pattern again.
        NaN and infinities come back as they are: number_in_range is false for
        them. -#}
    {%- set exact = retention.type_exact_number() -%}
    {%- set double = retention.type_ratio() -%}
    {%- if retention.raw_value_kind(source_type) == 'number' -%}
        {%- if retention.is_binary_float_type(source_type) -%}
            {{ return('cast(' ~ expression ~ ' as ' ~ double ~ ')') }}
        {%- elif (retention.decimal_scale(source_type) or 0) > 22 -%}
            {{ return('cast(' ~ expression ~ ' as decimal(38, 22))') }}
        {%- endif -%}
        {{ return(expression) }}
    {%- endif -%}
    {%- set text = retention.raw_text(expression) -%}
    {%- if number_expression is not none -%}
        {#- a finite double comes only from a text the pattern admits -#}
        {%- set parsed -%}
    case
        -- zero with a large exponent (0e40) is zero; Spark would not cast it
        when {{ number_expression }} = 0 then cast(0 as {{ exact }})
        when abs({{ number_expression }}) < 1e16 then cast({{ text }} as {{ exact }})
    end
        {%- endset -%}
        {{ return(parsed) }}
    {%- endif -%}
    {#- nested cases: no engine promises to evaluate `and` left to right -#}
    {%- set parsed -%}
    case
        when {{ retention.regex_full_match(text, retention.number_text_pattern()) }}
            then case
                -- zero with a large exponent (0e40) is zero; Spark would not cast it
                when cast({{ text }} as {{ double }}) = 0 then cast(0 as {{ exact }})
                when abs(cast({{ text }} as {{ double }})) < 1e16 then cast({{ text }} as {{ exact }})
            end
    end
    {%- endset -%}
    {{ return(parsed) }}
{% endmacro %}


{% macro number_in_range(number_expression) -%}
    {#- True for a finite number of magnitude below 10^15, compared exactly: the
        integer bound is cast to a decimal's own type (every type
        try_to_exact_number gives can hold it) or to a double (which holds 10^15
        exactly); no abs(), which the smallest bigint does not have. Every
        supported engine orders NaN above every number, so NaN and the
        infinities are out; null for null. -#}
    ({{ number_expression }} > -1000000000000000 and {{ number_expression }} < 1000000000000000)
{%- endmacro %}


{% macro try_to_money(expression, source_type=none, exact_expression=none) -%}
    {#- A raw amount as money (decimal major units, 6 decimals) when it can be
        read and its exact value (try_to_exact_number, or `exact_expression`
        when the model has it at hand) is in range (number_in_range); null
        otherwise. This is where an amount is rounded to 6 decimals: once, half
        away from zero, from the raw value itself (raw_number_as_money). -#}
    {%- set exact = exact_expression or retention.try_to_exact_number(expression, source_type) -%}
    case
        -- zero with a large exponent (0e40) is zero; Spark would not cast it
        when {{ exact }} = 0 then cast(0 as {{ retention.type_money() }})
        when {{ retention.number_in_range(exact) }}
            then {{ retention.raw_number_as_money(expression, source_type) }}
    end
{%- endmacro %}

{% macro raw_number_as_money(expression, source_type=none) -%}
    {#- A raw number already known to be readable and in range, cast to money:
        the one rounding to 6 decimals, half away from zero on every engine.
        Text is cast straight from the text (exact: no digit passes through a
        double, and no 128-bit decimal(38, 18) needs dividing down); a decimal
        or integer column from its own type. A double is cast as its whole part
        (through a bigint) plus its fraction: DuckDB casts a double to a decimal
        through a scaled double (999999999999999.0 came out as
        999999999999998.951424), while the whole part (below 10^15) is exact as a
        bigint and the fraction (below 1) loses nothing at 6 decimals. -#}
    {%- set money = retention.type_money() -%}
    {%- if retention.raw_value_kind(source_type) != 'number' -%}
        cast({{ retention.raw_text(expression) }} as {{ money }})
    {%- elif retention.is_binary_float_type(source_type) -%}
        {%- set double = 'cast(' ~ expression ~ ' as ' ~ retention.type_ratio() ~ ')' -%}
        {%- set whole = 'case when ' ~ double ~ ' < 0 then ceil(' ~ double ~ ') else floor(' ~ double ~ ') end' -%}
        (cast(cast({{ whole }} as {{ dbt.type_bigint() }}) as {{ money }})
            + cast({{ double }} - ({{ whole }}) as {{ money }}))
    {%- else -%}
        cast({{ expression }} as {{ money }})
    {%- endif -%}
{%- endmacro %}


{% macro try_to_whole_number(expression, source_type=none, exact_expression=none) -%}
    {#- A raw count as a bigint when its exact value (try_to_exact_number, or
        `exact_expression`) is a whole number in range; null otherwise. -#}
    {%- set exact = exact_expression or retention.try_to_exact_number(expression, source_type) -%}
    case
        when {{ retention.number_in_range(exact) }} and {{ exact }} = floor({{ exact }})
            then cast({{ exact }} as {{ dbt.type_bigint() }})
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
