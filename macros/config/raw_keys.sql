{#- The key an incremental base model stores and replaces rows by, computed
    from a raw row's own columns (never null: a row without an id is keyed by
    its raw text). One macro per base model, computed once per run in the
    model's first CTE and carried through to the stored column; the model's
    pre-hook (delete_changed_raw_keys) computes it with the same macro. -#}

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
