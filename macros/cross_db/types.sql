{#- Column types used by the marts' contracts. -#}

{% macro type_money() %}
    {{ return(adapter.dispatch('type_money', 'retention')()) }}
{% endmacro %}

{% macro default__type_money() %}
    {{ return('decimal(38, 6)') }}
{% endmacro %}


{% macro type_ratio() %}
    {{ return(adapter.dispatch('type_ratio', 'retention')()) }}
{% endmacro %}

{% macro default__type_ratio() %}
    {{ return('double precision') }}
{% endmacro %}

{% macro duckdb__type_ratio() %}
    {{ return('double') }}
{% endmacro %}
