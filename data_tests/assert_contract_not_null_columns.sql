{#- The marts' contracts declare not_null constraints. Engines that enforce
    them (DuckDB, PostgreSQL) reject a null on write; Spark tables without
    Delta cannot, so this test checks the same columns after the build, on
    every engine alike. Returns one row per (mart, column) holding nulls. -#}

{%- set marts = [
    'fct_customer_retention', 'fct_revenue_retention', 'fct_order_metrics', 'dim_customers',
    'fct_cohort_retention', 'fct_purchase_sequence', 'fct_historical_clv', 'fct_acquisition_clv',
    'fct_trial_conversion',
] %}
{%- set checks = [] -%}
{%- for mart in marts -%}
{%- set relation = ref(mart) -%}
{%- if execute -%}
{%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == mart -%}
{%- for column in node.columns.values() -%}
{%- if column.constraints | selectattr('type', 'equalto', 'not_null') | list | length > 0 -%}
{%- do checks.append((mart, column.name, relation)) -%}
{%- endif -%}
{%- endfor -%}
{%- endfor -%}
{%- endif -%}
{%- endfor -%}

{%- if checks | length == 0 %}
select
    cast(null as {{ dbt.type_string() }}) as mart,
    cast(null as {{ dbt.type_string() }}) as column_name,
    0 as null_rows
where 1 = 0
{%- else %}
with

null_counts as (

    {% for mart, column_name, relation in checks -%}
    select
        '{{ mart }}' as mart,
        '{{ column_name }}' as column_name,
        count(*) as null_rows
    from {{ relation }}
    where {{ column_name }} is null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from null_counts
where null_rows > 0
{%- endif %}
