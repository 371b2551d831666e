{#- Every numeric column the CLV models publish is finite: no NaN, no
    infinity. Nulls pass only where the models document them: predictions (a
    model not fitted or not converged, a customer left out of the Gamma-Gamma
    fit), and the value and log-likelihood of a fit published with
    converged = false. The CLV models are Python models, enabled where the
    adapter runs Python (DuckDB); so is this test, by its entry in
    _data_tests.yml (set here, the entry's description would find no node on
    other engines and dbt would warn). -#}

{#- (model, row key, column, when a null is allowed) -#}
{%- set parameter_key = "model || ' ' || parameter" %}
{%- set checks = [
    ('fct_clv_model_parameters', parameter_key, 'value', 'not converged'),
    ('fct_clv_model_parameters', parameter_key, 'log_likelihood', 'not converged'),
    ('fct_clv_model_parameters', parameter_key, 'customers', 'false'),
    ('fct_clv_model_parameters', parameter_key, 'excluded_customers', 'false'),
    ('fct_customer_clv', 'customer_id', 'frequency', 'false'),
    ('fct_customer_clv', 'customer_id', 'recency', 'false'),
    ('fct_customer_clv', 'customer_id', 'customer_age', 'false'),
    ('fct_customer_clv', 'customer_id', 'monetary_value', 'false'),
    ('fct_customer_clv', 'customer_id', 'probability_alive', 'true'),
    ('fct_customer_clv', 'customer_id', 'expected_purchases', 'true'),
    ('fct_customer_clv', 'customer_id', 'expected_average_order_value', 'true'),
    ('fct_customer_clv', 'customer_id', 'predicted_clv', 'true'),
    ('fct_customer_clv', 'customer_id', 'horizon', 'false'),
] %}

with

published as (

    {% for model_name, row_key, column_name, null_allowed in checks -%}
    select
        '{{ model_name }}' as model_name,
        {{ row_key }} as row_key,
        '{{ column_name }}' as column_name,
        cast({{ column_name }} as double) as column_value,
        {{ null_allowed }} as null_allowed
    from {{ ref(model_name) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    model_name,
    row_key,
    column_name,
    column_value
from published
where
    not isfinite(column_value)
    or (column_value is null and not null_allowed)
