{#- Helpers for the incremental models: the order, subscription and event
    base tables, where the volume and the cleaning cost live. Every model
    downstream of them is a table (measured: an incremental version saved
    little or nothing at ten million orders; docs/benchmark.md).

    No model keeps a watermark. A base model stores each raw row's row_hash;
    on every run its pre-hook deletes the keys whose raw rows changed, appeared
    or disappeared (at any age: a refund set months later, a deleted row), and
    the model inserts every raw row of the keys it does not hold. So a partial
    selection or an interrupted run leaves nothing the next run does not mend.

    A base model's key is one macro of raw_keys.sql, computed from the raw
    columns: the pre-hook (delete_changed_raw_keys) and the model's first CTE
    use it, and the model stores the value it computed there. The model's
    incremental branch, behind is_incremental(), is one filter: key_not_stored. -#}

{% macro volume_materialization() %}
    {{ return(adapter.dispatch('volume_materialization', 'retention')()) }}
{% endmacro %}

{% macro default__volume_materialization() %}
    {#- Engines that can delete rows build the volume models incrementally. -#}
    {{ return('incremental') }}
{% endmacro %}


{% macro run_started_at_literal() %}
    {#- This run's start (UTC) as a timestamp literal: the `loaded_at` of every
        row a run writes. -#}
    {{ return(retention.timestamp_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f'))) }}
{% endmacro %}


{% macro build_settings(names) %}
    {#- The vars that shape a model's stored rows, as one text value. A change
        in them makes the stored rows stale, which incremental_guard catches. -#}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name, none))) -%}
    {%- endfor -%}
    {{ return(parts | join('; ') | replace("'", "")) }}
{% endmacro %}


{% macro incremental_guard(names) %}
    {#- Fails an incremental run whose vars differ from the ones the stored rows
        were built with, naming the fix. -#}
    {%- set current = retention.build_settings(names) -%}
    {%- if execute and is_incremental() -%}
        {%- set stored = run_query('select distinct build_settings from ' ~ this) -%}
        {%- for row in stored.rows -%}
            {%- if row[0] != current -%}
                {{ exceptions.raise_compiler_error(
                    this ~ " was built with vars [" ~ row[0] ~ "] but this run has [" ~ current
                    ~ "]. Stored rows would mix both settings: rebuild it with dbt build --full-refresh "
                    ~ "(or put the vars back).") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return("'" ~ current ~ "'") }}
{% endmacro %}


{% macro raw_row_hash(columns) %}
    {#- One hash of a raw row's values, a null told apart from empty text (two
        different rows share one only by a collision): what an incremental base
        model stores (row_hash) and compares the raw table with on every run.
        The raw columns' stored types are part of it (raw_types_fingerprint):
        DuckDB's hash() sees BIGINT 1050 and DECIMAL(18,2) 10.50 as one value,
        so a feed that recreates a column with another type changes every
        row's reading, and every row is read again. -#}
    {{ return(adapter.dispatch('raw_row_hash', 'retention')(columns, retention.raw_types_fingerprint())) }}
{% endmacro %}

{% macro default__raw_row_hash(columns, fingerprint) -%}
    {%- set parts = [retention.string_literal(fingerprint)] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce('v' || cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), 'n')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{% macro duckdb__raw_row_hash(columns, fingerprint) -%}
    {#- DuckDB's own 64-bit hash of the values (nulls hash apart from any value):
        eight times faster than md5 of the row as text at ten million rows. The
        fingerprint is a constant, hashed once per vector. -#}
    hash({{ columns | join(', ') }}, {{ retention.string_literal(fingerprint) }})
{%- endmacro %}


{% macro raw_types_fingerprint() %}
    {#- The stored types of the raw table the calling model reads (its one
        source), as text: 'order_id varchar, amount decimal(18,2), ...'. -#}
    {%- if not execute or model is not defined or (model.sources | map('join', '.') | unique | list | length) != 1 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set source_name, table_name = model.sources[0] -%}
    {%- set types = retention.raw_source(source_name, table_name)['types'] -%}
    {%- set parts = [] -%}
    {%- for name in retention.raw_column_names(table_name) -%}
        {%- do parts.append(name ~ ' ' ~ (types.get(name) or '') | lower) -%}
    {%- endfor -%}
    {{ return(parts | join(', ')) }}
{% endmacro %}


{% macro delete_changed_raw_keys(raw_relation, columns, key_column, raw_key) %}
    {#- Pre-hook of an incremental base model: deletes every stored row of a key
        whose raw rows changed, appeared or disappeared (a stored row_hash no
        longer in the raw table, or a raw row whose hash is not stored), and of
        a key whose reading depends on the run's time (depends_on_run_time). The
        model then inserts every raw row of the keys it does not hold. Does
        nothing on a full build. -#}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} in (
            with raw_rows as (
                select
                    {{ raw_key }} as row_key,
                    {{ retention.raw_row_hash(columns) }} as row_hash
                from {{ raw_relation }}
            )

            select stored.{{ key_column }}
            from {{ this }} as stored
            where
                -- a value after the run's start plus one day reads differently once that day comes
                stored.depends_on_run_time
                or not exists (select 1 from raw_rows where raw_rows.row_hash = stored.row_hash)
            union all
            select raw_rows.row_key
            from raw_rows
            where not exists (select 1 from {{ this }} as kept where kept.row_hash = raw_rows.row_hash)
        )
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}


{% macro key_not_stored(relation, key_column) -%}
    {#- The incremental filter of a base model: true for a raw row of
        `relation` whose `key_column` this table does not hold, a new key or
        one the pre-hook (delete_changed_raw_keys) deleted because its raw rows
        changed. Every raw row of such a key is read, so a key's rows are
        always judged together. -#}
    not exists (
        select 1 from {{ this }} as stored
        where stored.{{ key_column }} = {{ relation }}.{{ key_column }}
    )
{%- endmacro %}
