{#- Spark (dbt-spark) implementations of the dispatched macros where the
    portable default does not run there. -#}

{% macro spark__type_ratio() %}
    {#- Spark has no `double precision`. -#}
    {{ return('double') }}
{% endmacro %}


{% macro spark__volume_materialization() %}
    {#- Without Delta, Spark tables cannot delete rows, and `append` alone would
        duplicate replaced keys: the volume models rebuild in full instead. -#}
    {{ return('table') }}
{% endmacro %}


{% macro spark__to_reporting_timestamp(utc_expression, tz) -%}
    from_utc_timestamp({{ utc_expression }}, '{{ tz }}')
{%- endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
    {#- dbt-spark's seed loader, except that an empty CSV value becomes null:
        the session cursor would bind Python's None as the text 'None'. -#}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set bindings = [] -%}
        {%- set values = [] -%}
        {%- for row in chunk -%}
            {%- set cells = [] -%}
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = column_override.get(col_name, inferred_type) -%}
                {%- set value = row[loop.index0] -%}
                {%- if value is none -%}
                    {%- do cells.append('cast(null as ' ~ type ~ ')') -%}
                {%- else -%}
                    {%- do bindings.append(value) -%}
                    {%- do cells.append('cast(' ~ get_binding_char() ~ ' as ' ~ type ~ ')') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do values.append('(' ~ cells | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ values | join(', ') -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
