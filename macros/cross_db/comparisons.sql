{% macro null_safe_equals(left, right) -%}
    {#- True when both are equal or both are null; never null itself. -#}
    (coalesce({{ left }} = {{ right }}, false) or ({{ left }} is null and {{ right }} is null))
{%- endmacro %}
