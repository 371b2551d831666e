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
