{#- Growth rate = (current - previous) / previous. -#}
{% macro growth_rate(current_value, previous_value) -%}
    {{ retention.safe_divide('(' ~ current_value ~ ' - ' ~ previous_value ~ ')', previous_value) }}
{%- endmacro %}
