{#- Timestamps: the raw feeds hold `timestamp` (taken as UTC) or `timestamptz`. -#}

{% macro to_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('to_utc_timestamp', 'retention')(expression)) }}
{% endmacro %}

{% macro default__to_utc_timestamp(expression) -%}
    {#- A `timestamptz` cast to `timestamp` is rendered in the session time zone:
        the profile sets it to UTC. A plain `timestamp` is already UTC. -#}
    {{ dbt.safe_cast(expression, dbt.type_timestamp()) }}
{%- endmacro %}


{% macro to_reporting_timestamp(utc_expression) %}
    {%- set tz = retention.reporting_timezone() -%}
    {%- if tz == 'UTC' -%}
        {{ return(utc_expression) }}
    {%- endif -%}
    {{ return(adapter.dispatch('to_reporting_timestamp', 'retention')(utc_expression, tz)) }}
{% endmacro %}

{% macro default__to_reporting_timestamp(utc_expression, tz) -%}
    cast(({{ utc_expression }} at time zone 'UTC') at time zone '{{ tz }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro date_to_timestamp(date_expression) %}
    {{ return(adapter.dispatch('date_to_timestamp', 'retention')(date_expression)) }}
{% endmacro %}

{% macro default__date_to_timestamp(date_expression) -%}
    cast({{ date_expression }} as {{ dbt.type_timestamp() }})
{%- endmacro %}


{% macro add_days_to_timestamp(days, timestamp_expression) %}
    {{ return(adapter.dispatch('add_days_to_timestamp', 'retention')(days, timestamp_expression)) }}
{% endmacro %}

{% macro default__add_days_to_timestamp(days, timestamp_expression) -%}
    cast({{ dbt.dateadd('day', days, timestamp_expression) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}
