{#- A ratio that is null, not an error and not zero, when the denominator is zero or null. The numerator is cast to the ratio type first so integer inputs never divide as integers. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ retention.type_ratio() }}) / nullif(cast({{ denominator }} as {{ retention.type_ratio() }}), 0))
{%- endmacro %}
