{#- Trial-to-paid rate = converted trials / trials started; null without trials. -#}
{% macro trial_to_paid_rate(converted_trials, trials_started) -%}
    {{ retention.safe_divide(converted_trials, trials_started) }}
{%- endmacro %}
