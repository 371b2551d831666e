{#- A source whose rows are mostly unusable would publish marts that mislead
    (empty, or built from the few rows that happened to parse), and a green run
    would tell the orchestrator all is well. Each staging model's post-hook
    counts its base model's rows by rejection reason and fails the run, before
    any mart reads the source, when the rejected share passes var
    max_rejected_share; below it, the warn_rejected_rows data test warns. -#}

{% macro check_usable_rows(source_table, base_relation) %}
    {%- if not execute -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set limit = retention.max_rejected_share() -%}
    {%- set counts = run_query(
        'select rejection_reason, count(*) from ' ~ base_relation ~ ' group by rejection_reason') -%}
    {%- set tally = namespace(total=0, rejected=0) -%}
    {%- set reasons = [] -%}
    {%- set hints = [] -%}
    {%- set advice = retention.rejection_advice() -%}
    {%- for reason, rows in counts.rows | sort(attribute=1, reverse=true) -%}
        {%- set tally.total = tally.total + rows -%}
        {%- if reason is not none -%}
            {%- set tally.rejected = tally.rejected + rows -%}
            {%- do reasons.append(reason ~ ': ' ~ '{:,}'.format(rows | int)) -%}
            {%- if reason in advice -%}
                {%- do hints.append(advice[reason]) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if tally.total > 0 and tally.rejected / tally.total > limit -%}
        {{ exceptions.raise_compiler_error(
            "Source " ~ source_table ~ ": " ~ '{:,}'.format(tally.rejected | int) ~ " of " ~ '{:,}'.format(tally.total | int)
            ~ " distinct raw rows cannot be used (" ~ reasons | join(', ') ~ "), more than var max_rejected_share ("
            ~ limit ~ ") allows, so the run stops before any mart reads them. "
            ~ (hints | join(' ') ~ ' ' if hints else '')
            ~ "rejected_rows lists every such row with its reason (dbt build --select rejected_rows); fix the feed or "
            ~ "the settings, or raise max_rejected_share (1 never stops) to publish what is usable.") }}
    {%- endif -%}
    {{ return('select 1') }}
{% endmacro %}


{% macro rejection_advice() %}
    {#- What to do about the rejection reasons a setting or the table's shape
        usually causes. -#}
    {{ return({
        'missing currency': "Rows without a currency: fill the column, or drop it from the table (a feed without a currency column is read as all in var reporting_currency, " ~ retention.reporting_currency() ~ ").",
        'currency without exchange rate': "Currencies without a rate: add them to var exchange_rates, e.g. {EUR: 1.08} (units of " ~ retention.reporting_currency() ~ " per unit), or set reporting_currency to the feed's currency.",
        'unknown status': "Statuses must be completed, refunded, cancelled or pending (any case): map others in a view over the table.",
        'unknown billing_interval': "billing_interval must be week, month, quarter or year: map others in a view over the table.",
    }) }}
{% endmacro %}
