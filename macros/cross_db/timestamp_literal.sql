{% macro timestamp_literal(text) %}
    {#- A timestamp written as text (YYYY-MM-DD HH:MM:SS[.ffffff]) as a SQL
        literal: a cast to dbt's timestamp type, which every engine here reads. -#}
    {{ return("cast('" ~ text ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{% endmacro %}
