{% macro median(expression) %}
    {{ return(adapter.dispatch('median', 'retention')(expression)) }}
{% endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}
