{#- The number of sends, as a bigint, in a group of int_email_send_outcomes rows:
    every send, or the sends with one outcome (a boolean column of that model:
    is_delivered, is_opened, ...). Counts are of sends, not events. A row with no
    send (a quiet period left-joined to the sends) counts as none, so an empty
    group gives 0, not null. One expression; the rates are email_rate of two of
    these counts. -#}
{% macro email_send_count(outcomes, outcome=none) -%}
    cast(sum(case when {{ outcomes }}.send_id is not null
        {%- if outcome is not none %} and {{ outcomes }}.{{ outcome }}{% endif %} then 1 else 0 end)
        as {{ dbt.type_bigint() }})
{%- endmacro %}
