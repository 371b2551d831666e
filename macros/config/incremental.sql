{#- Helpers for the incremental models: where volume lives (the base staging
    tables, the customer-period tables and the sequenced orders), a scheduled
    run rewrites only what new or changed raw rows can affect.

    How an increment flows:
    - A base model re-reads the raw rows whose event time falls in the lookback
      window (var incremental_lookback_days before the latest event it holds),
      plus every raw row sharing a key with them, and replaces those keys. Each
      row it writes carries `loaded_at` (this run's start) and `affects_from`
      (the earliest instant its old or new version can change a number).
    - A downstream incremental model remembers the newest `loaded_at` it has
      processed (`source_loaded_at`). On the next run it deletes, in a
      pre-hook, the scope the newer rows can affect (customers, or periods from
      the earliest `affects_from` on) and inserts that scope recomputed from
      full history. -#}

{% macro incremental_lookback_days() %}
    {%- set days = var('incremental_lookback_days', 3) -%}
    {%- if days is not number or days != (days | int) or days < 0 -%}
        {{ exceptions.raise_compiler_error("var incremental_lookback_days must be a whole number of days (0 or more) that late rows may arrive after newer ones, e.g. 3; got '" ~ days ~ "'.") }}
    {%- endif -%}
    {{ return(days | int) }}
{% endmacro %}


{% macro volume_materialization() %}
    {{ return(adapter.dispatch('volume_materialization', 'retention')()) }}
{% endmacro %}

{% macro default__volume_materialization() %}
    {#- Engines that can delete rows build the volume models incrementally. -#}
    {{ return('incremental') }}
{% endmacro %}


{% macro timestamp_literal(text) %}
    {#- A timestamp written as text (YYYY-MM-DD HH:MM:SS[.ffffff]) as a SQL literal. -#}
    {{ return("cast('" ~ text ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
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


{% macro processed_watermark() %}
    {#- The newest source `loaded_at` this model has processed, as a SQL
        literal; none when the model is not running incrementally. -#}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = run_query('select max(source_loaded_at) from ' ~ this).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return("cast(null as " ~ dbt.type_timestamp() ~ ")") }}
    {%- endif -%}
    {{ return(retention.timestamp_literal(newest)) }}
{% endmacro %}


{% macro changed_since(relation, watermark) -%}
    {#- A predicate on `relation`'s rows written after the watermark (all rows
        when nothing was processed yet). -#}
    ({{ relation }}.loaded_at > {{ watermark }} or {{ watermark }} is null)
{%- endmacro %}


{% macro first_periods_to_rebuild(base_relation, watermark) -%}
    {#- One row per grain stored in this model: the first period an increment
        rebuilds. That is the earliest of the period holding the earliest
        instant a changed source row affects, the last period already stored
        (it was incomplete and the spine may have grown), and the period of the
        current as-of date (it may have moved back). -#}
    select
        stored.period_grain,
        least(
            stored.last_period_start,
            {{ retention.period_start_for_grain('stored.period_grain', 'reporting_window.as_of_date') }},
            coalesce(
                {{ retention.period_start_for_grain('stored.period_grain', 'changed.first_affected_at') }},
                stored.last_period_start
            )
        ) as first_period_start
    from (
        select
            period_grain,
            max(period_start) as last_period_start
        from {{ this }}
        group by 1
    ) as stored
    cross join {{ ref('int_reporting_window') }} as reporting_window
    cross join (
        select min({{ retention.to_reporting_timestamp('changed_rows.affects_from') }}) as first_affected_at
        from {{ base_relation }} as changed_rows
        where {{ retention.changed_since('changed_rows', watermark) }}
    ) as changed
{%- endmacro %}


{% macro periods_to_rebuild(base_model) %}
    {#- first_periods_to_rebuild, evaluated once when the model compiles (before
        its pre-hook deletes anything), as a select of literal rows. A grain
        with no stored rows is rebuilt whole. -#}
    {%- set query = retention.first_periods_to_rebuild(ref(base_model), retention.processed_watermark()) -%}
    {%- set found = {} -%}
    {%- for row in run_query(query).rows -%}
        {%- do found.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set selects = [] -%}
    {%- for grain in retention.period_grains() -%}
        {%- do selects.append(
            "select '" ~ grain ~ "' as period_grain, cast('" ~ (found.get(grain) or '1900-01-01')
            ~ "' as date) as first_period_start") -%}
    {%- endfor -%}
    {{ return(selects | join(' union all ')) }}
{% endmacro %}


{% macro delete_periods_to_rebuild(base_model) %}
    {#- Pre-hook of a customer-period table: deletes the periods this increment
        rebuilds. Does nothing on a full build. -#}
    {%- if is_incremental() -%}
        delete from {{ this }} as stored_rows
        where exists (
            select 1
            from ({{ retention.periods_to_rebuild(base_model) }}) as first_periods
            where
                first_periods.period_grain = stored_rows.period_grain
                and stored_rows.period_start >= first_periods.first_period_start
        )
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}


{% macro changed_customers(base_relation, watermark) -%}
    {#- The customers owning a base row written after the watermark. -#}
    select changed_rows.customer_id
    from {{ base_relation }} as changed_rows
    where changed_rows.customer_id is not null and {{ retention.changed_since('changed_rows', watermark) }}
{%- endmacro %}


{% macro delete_changed_customers(base_model) %}
    {#- Pre-hook of a per-customer table: deletes the rows of the customers this
        increment recomputes. Does nothing on a full build. -#}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where customer_id in ({{ retention.changed_customers(ref(base_model), retention.processed_watermark()) }})
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}


{% macro newest_loaded_at(base_model) -%}
    {#- The newest loaded_at of a base model: a downstream row's source_loaded_at. -#}
    (select max(base_rows.loaded_at) from {{ ref(base_model) }} as base_rows)
{%- endmacro %}


{% macro periods_to_build(base_model) %}
    {#- CTEs all_periods (the whole spine) and periods (those this run builds:
        all of them, or on an incremental run those from the first period to
        rebuild on, fixed when the model compiles, before its pre-hook deletes
        them). Ends with a comma, ready for the next CTE. -#}
all_periods as (

    select * from {{ ref('int_periods_spined') }}

),

{% if is_incremental() -%}
first_periods as (

    {{ retention.periods_to_rebuild(base_model) }}

),

periods as (

    select all_periods.*
    from all_periods
    inner join first_periods
        on
            all_periods.period_grain = first_periods.period_grain
            and all_periods.period_start >= first_periods.first_period_start

),
{%- else -%}
periods as (

    select * from all_periods

),
{%- endif %}
{% endmacro %}


{% macro rows_in_periods(relation, periods) -%}
    {#- The rows of `relation` (period_grain, period_start, ...) that fall in
        one of `periods`. -#}
    select {{ relation }}.*
    from {{ relation }}
    inner join {{ periods }}
        on
            {{ relation }}.period_grain = {{ periods }}.period_grain
            and {{ relation }}.period_start = {{ periods }}.period_start
{%- endmacro %}
