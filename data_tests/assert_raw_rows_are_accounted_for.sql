-- Nothing is lost silently: for every source, raw rows = staged rows + exact
-- duplicate rows + rejected rows. Returns the sources where that fails.
{%- set sources = [
    ('orders', 'shop', 'stg_shop__orders'),
    ('subscriptions', 'billing', 'stg_billing__subscriptions'),
    ('customers', 'crm', 'stg_crm__customers'),
    ('acquisition_costs', 'marketing', 'stg_marketing__acquisition_costs'),
    ('events', 'product', 'stg_product__events'),
    ('email_sends', 'email', 'stg_email__sends'),
    ('email_events', 'email', 'stg_email__events'),
    ('nps_responses', 'survey', 'stg_survey__nps_responses'),
] %}

with

{% for table_name, source_name, staged_model in sources %}
{%- set columns = retention.raw_column_names(table_name) %}
{{ table_name }}_counts as (

    select
        '{{ table_name }}' as source_table,
        (select count(*) from {{ retention.raw_relation(source_name, table_name) }}) as raw_rows,
        (select count(*) from {{ retention.raw_relation(source_name, table_name) }})
        - (
            select count(*) from (
                select distinct {{ columns | join(', ') }}
                from {{ retention.raw_relation(source_name, table_name) }}
            ) as distinct_rows
        ) as duplicate_rows,
        (select count(*) from {{ ref(staged_model) }}) as staged_rows,
        (
            select count(*) from {{ ref('rejected_rows') }}
            where source_table = '{{ table_name }}'
        ) as rejected_rows

),

{% endfor %}
counts as (

    {% for table_name, _, _ in sources -%}
    select * from {{ table_name }}_counts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select *
from counts
where raw_rows <> staged_rows + duplicate_rows + rejected_rows
