{% macro hash_personal_data(expression) %}
    {{ return(adapter.dispatch('hash_personal_data', 'retention')(expression)) }}
{% endmacro %}

{% macro default__hash_personal_data(expression) -%}
    {#- md5 of the trimmed, lower-cased value: stable for joins, not reversible
        by reading the table. -#}
    {{ dbt.hash('lower(trim(' ~ expression ~ '))') }}
{%- endmacro %}
