{#- Resolves a raw table for a staging model.

    - Always calls source() so lineage and `dbt source freshness` see it.
    - While the demo seeds are enabled, also depends on the seed of the same
      name, so `dbt build` loads the seed before reading it.
    - An optional table that does not exist resolves to an empty relation of the
      spec's shape, so its marts come out empty instead of failing.
    - The required table (orders) fails with a message that says what to set. -#}

{% macro raw_columns(table_name) %}
    {%- set columns = {
        'orders': [
            ('order_id', dbt.type_string()), ('customer_id', dbt.type_string()),
            ('ordered_at', dbt.type_timestamp()), ('status', dbt.type_string()),
            ('amount', retention.type_money()), ('currency', dbt.type_string()),
            ('refunded_amount', retention.type_money())],
        'subscriptions': [
            ('subscription_id', dbt.type_string()), ('customer_id', dbt.type_string()),
            ('plan_id', dbt.type_string()), ('started_at', dbt.type_timestamp()),
            ('ended_at', dbt.type_timestamp()), ('billing_interval', dbt.type_string()),
            ('amount', retention.type_money()), ('quantity', dbt.type_int()),
            ('currency', dbt.type_string())],
        'customers': [
            ('customer_id', dbt.type_string()), ('created_at', dbt.type_timestamp()),
            ('country', dbt.type_string()), ('acquisition_channel', dbt.type_string()),
            ('email', dbt.type_string())],
        'acquisition_costs': [
            ('month', 'date'), ('channel', dbt.type_string()), ('spend', retention.type_money())],
    } -%}
    {{ return(columns[table_name]) }}
{% endmacro %}


{% macro raw_relation(source_name, table_name, required=false) %}
    {%- if retention.demo_data_enabled() -%}
        {%- do ref(table_name) -%}
    {%- endif -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if found is not none -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- if required and target.name != 'lint' -%}
        {{ exceptions.raise_compiler_error(
            "The required raw table " ~ relation ~ " does not exist. Set var raw_schema (and raw_database) "
            ~ "to where your orders table lives, e.g. dbt build --vars '{raw_schema: my_raw, load_demo_data: false}', "
            ~ "or load the demo data with dbt seed.") }}
    {%- endif -%}
    {%- set empty_columns = [] -%}
    {%- for name, data_type in retention.raw_columns(table_name) -%}
        {%- do empty_columns.append('cast(null as ' ~ data_type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return('(select ' ~ empty_columns | join(', ') ~ ' where 1 = 0) as absent_' ~ table_name) }}
{% endmacro %}
