{#- Resolves a raw table for a staging model.

    - Always calls source() so lineage and `dbt source freshness` see it.
    - While the demo seeds are enabled, also depends on the seed of the same
      name, so `dbt build` loads the seed before reading it.
    - A table the warehouse stores under another case (ORDERS, as Snowflake
      folds unquoted names) is found and read quoted, exactly as stored.
    - An optional table that does not exist resolves to an empty relation of the
      declared shape, so its marts come out empty instead of failing.
    - The required table (orders) fails with a message that says what to set. -#}

{% macro raw_columns(table_name) %}
    {#- The declared columns of a raw table, [(name, type)], from its source
        YAML (types: text, timestamp, decimal, integer, date). Empty while dbt
        parses (the graph is read only when SQL is rendered for real). -#}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values()
            if node.package_name == 'retention' and node.name == table_name -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append((column.name, column.data_type)) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if columns | length == 0 -%}
            {{ exceptions.raise_compiler_error("No columns are declared for the raw table '" ~ table_name ~ "': list them with data_type in its source YAML under models/staging.") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(columns) }}
{% endmacro %}


{% macro raw_columns_when_absent(table_name) %}
    {#- {column: 'null' or 'reporting_currency'}: the declared columns a raw
        table may lack, from `meta: when_absent` in its source YAML. -#}
    {%- set optional = {} -%}
    {%- if execute -%}
        {%- for node in graph.sources.values()
            if node.package_name == 'retention' and node.name == table_name -%}
            {%- for column in node.columns.values() if column.meta.get('when_absent') -%}
                {%- do optional.update({column.name: column.meta['when_absent']}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(optional) }}
{% endmacro %}


{% macro raw_column_names(table_name) %}
    {%- set names = [] -%}
    {%- for name, _ in retention.raw_columns(table_name) -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{% macro declared_sql_type(declared) %}
    {#- The warehouse type of a declared raw column type. -#}
    {%- set types = {
        'text': dbt.type_string(), 'timestamp': dbt.type_timestamp(), 'decimal': retention.type_money(),
        'integer': dbt.type_bigint(), 'date': 'date', 'boolean': dbt.type_boolean(),
    } -%}
    {%- if declared not in types -%}
        {{ exceptions.raise_compiler_error("A raw column is declared with data_type '" ~ declared ~ "': use one of " ~ types.keys() | list | join(', ') ~ ".") }}
    {%- endif -%}
    {{ return(types[declared]) }}
{% endmacro %}


{% macro find_raw_relation(source_name, table_name) %}
    {#- The raw table as the warehouse stores it, or none when it does not exist. -#}
    {{ return(retention.find_stored_relation(source(source_name, table_name))) }}
{% endmacro %}

{% macro find_stored_relation(relation) %}
    {#- `relation` as the warehouse stores it, or none when it does not exist.
        A name stored in another case (ORDERS) is matched case-insensitively and
        read quoted, as stored. -#}
    {%- set stored_identifier = retention.stored_identifier(relation) -%}
    {%- if stored_identifier is none or stored_identifier == relation.identifier -%}
        {{ return(adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier)) }}
    {%- endif -%}
    {{ return(relation.incorporate(path={'identifier': stored_identifier}, quote_policy={'identifier': true})) }}
{% endmacro %}

{% macro stored_identifier(relation) %}
    {{ return(adapter.dispatch('stored_identifier', 'retention')(relation)) }}
{% endmacro %}

{% macro default__stored_identifier(relation) %}
    {#- The table name as information_schema holds it (the exact name first),
        matched without regard to case; none when there is no such table. -#}
    {%- set database = relation.database if modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', relation.database)
        else adapter.quote(relation.database) -%}
    {{ return(retention.stored_identifier_from(
        database ~ '.information_schema.tables', relation, "table_catalog is not null")) }}
{% endmacro %}

{% macro duckdb__stored_identifier(relation) %}
    {{ return(retention.stored_identifier_from(
        'information_schema.tables', relation, 'table_catalog = ' ~ retention.string_literal(relation.database))) }}
{% endmacro %}

{% macro postgres__stored_identifier(relation) %}
    {#- information_schema is per database on PostgreSQL. -#}
    {{ return(retention.stored_identifier_from('information_schema.tables', relation, "true")) }}
{% endmacro %}

{% macro string_literal(text) %}
    {#- Text as a SQL string literal, an apostrophe in it doubled: whatever a
        var holds is only ever a value (the literals here are read by DuckDB and
        PostgreSQL, where a backslash is an ordinary character). -#}
    {{ return("'" ~ (text | string).replace("'", "''") ~ "'") }}
{% endmacro %}

{% macro stored_identifier_from(tables, relation, catalog_condition) %}
    {%- set query -%}
        select table_name
        from {{ tables }}
        where
            {{ catalog_condition }}
            and lower(table_schema) = lower({{ retention.string_literal(relation.schema) }})
            and lower(table_name) = lower({{ retention.string_literal(relation.identifier) }})
        order by case when table_name = {{ retention.string_literal(relation.identifier) }} then 0 else 1 end, table_name
    {%- endset -%}
    {%- set found = run_query(query) -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(found.rows[0][0]) }}
{% endmacro %}

{% macro spark__stored_identifier(relation) %}
    {#- Spark's catalog folds names to lower case: nothing to look up. -#}
    {{ return(none) }}
{% endmacro %}


{% macro raw_source(source_name, table_name, required=false) %}
    {#- {'relation': SQL to select from, 'types': {column: warehouse type or
        none}} for a raw table; the types steer how each column is read
        (conversions.sql). A table that exists also gives 'stored' and
        'columns' (raw_table_shape); an absent one does not. -#}
    {%- if retention.demo_data_enabled() -%}
        {%- do ref(table_name) -%}
    {%- endif -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set declared = retention.raw_columns(table_name) -%}
    {%- if not execute -%}
        {{ return({'relation': relation, 'types': {}}) }}
    {%- endif -%}
    {%- set found = retention.find_raw_relation(source_name, table_name) -%}
    {%- if found is not none -%}
        {{ return(retention.raw_table_shape(found, table_name)) }}
    {%- endif -%}
    {%- if required and target.name != 'lint' -%}
        {{ exceptions.raise_compiler_error(retention.missing_raw_table_message(relation)) }}
    {%- endif -%}
    {%- set empty_columns = [] -%}
    {%- set types = {} -%}
    {%- for name, data_type in declared -%}
        {%- set sql_type = retention.declared_sql_type(data_type) -%}
        {%- do empty_columns.append('cast(null as ' ~ sql_type ~ ') as ' ~ name) -%}
        {%- do types.update({name: sql_type}) -%}
    {%- endfor -%}
    {{ return({
        'relation': '(select ' ~ empty_columns | join(', ') ~ ' where 1 = 0) as absent_' ~ table_name,
        'types': types,
    }) }}
{% endmacro %}


{% macro missing_raw_table_message(relation) %}
    {{ return("The required raw table " ~ relation ~ " does not exist. Set var raw_schema (and raw_database) "
        ~ "to where your orders table lives, e.g. dbt build --vars '{raw_schema: my_raw}', or unset both "
        ~ "(and load_demo_data) to build the demo shop.") }}
{% endmacro %}


{% macro raw_table_shape(found, table_name) %}
    {#- {'relation', 'types', 'stored' (the table as stored), 'columns' (each
        stored column's name by its lower-case name)} of an existing raw table.
        A declared column the table lacks is read as its `meta: when_absent` in
        the source YAML says
        (null, or the reporting currency for a feed without a currency column);
        a column without one fails, naming the column and what to do. -#}
    {%- set stored = {} -%}
    {%- set stored_names = {} -%}
    {%- for column in adapter.get_columns_in_relation(found) -%}
        {%- do stored.update({column.name | lower: column.data_type}) -%}
        {%- do stored_names.update({column.name | lower: column.name}) -%}
    {%- endfor -%}
    {%- set when_absent = retention.raw_columns_when_absent(table_name) -%}
    {%- set types = {} -%}
    {%- set stand_ins = [] -%}
    {%- for name, data_type in retention.raw_columns(table_name) -%}
        {%- if name in stored -%}
            {%- do types.update({name: stored[name]}) -%}
        {%- elif name in when_absent -%}
            {%- set sql_type = retention.declared_sql_type(data_type) -%}
            {%- set value = retention.string_literal(retention.reporting_currency())
                if when_absent[name] == 'reporting_currency' else 'null' -%}
            {%- do stand_ins.append('cast(' ~ value ~ ' as ' ~ sql_type ~ ') as ' ~ name) -%}
            {%- do types.update({name: sql_type}) -%}
        {%- else -%}
            {%- set needed = [] -%}
            {%- for column_name in retention.raw_column_names(table_name) if column_name not in when_absent -%}
                {%- do needed.append(column_name) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                "The raw table " ~ found ~ " has no column '" ~ name ~ "', which every row needs. Its columns must include "
                ~ needed | join(', ') ~ " (optional: " ~ (when_absent.keys() | list | join(', ') or 'none')
                ~ "; see docs/metrics.md). Add it to the table (or a view over it), or point var raw_schema at another table.") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if stand_ins | length == 0 -%}
        {{ return({'relation': found, 'types': types, 'stored': found, 'columns': stored_names}) }}
    {%- endif -%}
    {{ return({
        'relation': '(select *, ' ~ stand_ins | join(', ') ~ ' from ' ~ found ~ ') as ' ~ table_name,
        'types': types,
        'stored': found,
        'columns': stored_names,
    }) }}
{% endmacro %}


{% macro check_raw_tables() %}
    {#- on-run-start: before any model runs, every raw table that exists has
        its required columns, and a required table (meta: required) exists.
        Runs for dbt run and dbt build (a dbt test or seed reads no raw table
        through the models); skipped while the demo builds (the seeds load the
        tables) and while sqlfluff lints. -#}
    {%- if not execute or target.name == 'lint' or flags.WHICH not in ['run', 'build']
        or retention.demo_data_enabled() -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- for node in graph.sources.values() if node.package_name == 'retention' -%}
        {%- set relation = api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.identifier) -%}
        {%- set found = retention.find_stored_relation(relation) -%}
        {%- if found is not none -%}
            {%- do retention.raw_table_shape(found, node.name) -%}
        {%- elif node.meta.get('required') -%}
            {{ exceptions.raise_compiler_error(retention.missing_raw_table_message(relation)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('select 1') }}
{% endmacro %}


{% macro raw_relation(source_name, table_name, required=false) %}
    {#- The relation of raw_source, to select from. -#}
    {{ return(retention.raw_source(source_name, table_name, required)['relation']) }}
{% endmacro %}
