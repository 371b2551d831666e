{% macro days_between(earlier, later) %}
    {{ return(adapter.dispatch('days_between', 'retention')(earlier, later)) }}
{% endmacro %}

{% macro default__days_between(earlier, later) -%}
    {#- Fractional days from one timestamp to another, to the second. -#}
    (cast({{ dbt.datediff(earlier, later, 'second') }} as {{ retention.type_ratio() }}) / 86400)
{%- endmacro %}
