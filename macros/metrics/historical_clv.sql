{#- Historical CLV = AOV x purchase frequency x expected lifespan, the lifespan
    being 1 / churn rate periods; null when churn is zero or any input is null. -#}
{% macro historical_clv(average_order_value, purchase_frequency, churn_rate) -%}
    {{ retention.safe_divide('(' ~ average_order_value ~ ' * ' ~ purchase_frequency ~ ')', churn_rate) }}
{%- endmacro %}
