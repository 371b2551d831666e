{#- An email rate = unique sends with the outcome / the sends it is out of (opens / deliveries, bounces / sends, ...), pooled: sums over sums, never an average of rates. -#}
{% macro email_rate(sends_with_outcome, base_sends) -%}
    {{ retention.safe_divide(sends_with_outcome, base_sends) }}
{%- endmacro %}
