{#- Customer churn rate = churned / S. -#}
{% macro churn_rate(churned_customers, customers_at_start) -%}
    {{ retention.safe_divide(churned_customers, customers_at_start) }}
{%- endmacro %}
