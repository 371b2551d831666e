{#- Customer churn rate = churned / S. -#}
{% macro churn_rate(churned_customers, customers_at_start) %}
    {{ return(adapter.dispatch('churn_rate', 'retention')(churned_customers, customers_at_start)) }}
{% endmacro %}

{% macro default__churn_rate(churned_customers, customers_at_start) -%}
    {{ retention.safe_divide(churned_customers, customers_at_start) }}
{%- endmacro %}
