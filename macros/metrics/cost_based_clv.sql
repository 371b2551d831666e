{#- Cost-based CLV = revenue per acquired customer - acquisition cost per
    acquired customer. -#}
{% macro cost_based_clv(revenue_per_customer, acquisition_cost_per_customer) -%}
    ({{ revenue_per_customer }} - {{ acquisition_cost_per_customer }})
{%- endmacro %}
