{% macro row_as_text(columns) %}
    {{ return(adapter.dispatch('row_as_text', 'retention')(columns)) }}
{% endmacro %}

{% macro default__row_as_text(columns) -%}
    {#- One text value holding a raw row as `name=value|name=value`, nulls shown
        as empty, so a rejected row can be read back exactly. -#}
    {%- for column in columns -%}
        '{{ column }}=' || coalesce(cast({{ column }} as {{ dbt.type_string() }}), '')
        {%- if not loop.last %} || '|' || {% endif -%}
    {%- endfor -%}
{%- endmacro %}


{% macro text_in_code_point_order(expression) %}
    {#- `expression` as a sort key that orders text by code point, as DuckDB and
        Spark always do; PostgreSQL's order follows the database's collation. -#}
    {{ return(adapter.dispatch('text_in_code_point_order', 'retention')(expression)) }}
{% endmacro %}

{% macro default__text_in_code_point_order(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__text_in_code_point_order(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
