{#- The key an incremental base model replaces rows by, computed from a raw
    row's own columns (never null: a row without an id is keyed by its raw
    text). The base model's pre-hook and its increment both use these, and the
    model stores the same value computed from the typed columns. -#}

{% macro order_key_of_raw_row() -%}
    coalesce(
        nullif(trim(cast(order_id as {{ dbt.type_string() }})), ''),
        'row:' || {{ retention.row_as_text(retention.raw_column_names('orders')) }}
    )
{%- endmacro %}


{% macro price_period_key_of_raw_row(raw_types) -%}
    {%- set started_at = retention.try_to_timestamp('started_at', raw_types.started_at) -%}
    coalesce(
        nullif(trim(cast(subscription_id as {{ dbt.type_string() }})), '')
        || '|' || cast(
            case when {{ retention.timestamp_in_range(started_at) }} then {{ started_at }} end
            as {{ dbt.type_string() }}
        ),
        'row:' || {{ retention.row_as_text(retention.raw_column_names('subscriptions')) }}
    )
{%- endmacro %}


{% macro event_key_of_raw_row() -%}
    coalesce(
        {{ retention.trimmed_text('event_id') }},
        'row:' || {{ retention.row_as_text(retention.raw_column_names('events')) }}
    )
{%- endmacro %}
