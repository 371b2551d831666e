{#- Formula LTV = ARPA / customer churn rate, for a monthly churn only: null at
    any other grain, and when churn is zero or null. -#}
{% macro lifetime_value(average_revenue_per_account, customer_churn_rate, period_grain) -%}
    case when {{ period_grain }} = 'month' then {{ retention.safe_divide(average_revenue_per_account, customer_churn_rate) }} end
{%- endmacro %}
