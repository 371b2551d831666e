{#- Fails with the rows whose value lies outside [min_value, max_value]; nulls
    pass (a ratio is null when its denominator is zero). Either bound may be
    omitted. -#}
{% test between(model, column_name, min_value=none, max_value=none) %}

    select *
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            {% if min_value is not none %}{{ column_name }} < {{ min_value }}{% else %}1 = 0{% endif %}
            or {% if max_value is not none %}{{ column_name }} > {{ max_value }}{% else %}1 = 0{% endif %}
        )

{% endtest %}
