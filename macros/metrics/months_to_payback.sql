{#- An aggregate over a cohort's months: the first month k (0 = the acquisition
    month) whose cumulative revenue per acquired customer reaches the
    acquisition cost; null while none has. -#}
{% macro months_to_payback(months_since_acquisition, cumulative_revenue_per_customer, customer_acquisition_cost) -%}
    min(case when {{ cumulative_revenue_per_customer }} >= {{ customer_acquisition_cost }} then {{ months_since_acquisition }} end)
{%- endmacro %}
