{#- A customer's own term of an MRR movement in a period (section 5), from their
    MRR at its start (m0) and end (m1) and whether they are new in it; 0 where
    the movement's condition does not hold. Each condition stands alone, so no
    movement can shadow another. fct_revenue_retention sums these terms and
    fct_customer_periods publishes them, so both classify alike. -#}
{% macro mrr_movement(movement, mrr_at_start, mrr_at_end, is_new_customer) %}
    {%- set m0, m1, new = mrr_at_start, mrr_at_end, is_new_customer -%}
    {%- set terms = {
        'new': 'case when ' ~ new ~ ' then ' ~ m1 ~ ' else 0 end',
        'expansion': 'case when ' ~ m0 ~ ' > 0 and ' ~ m1 ~ ' > ' ~ m0 ~ ' then ' ~ m1 ~ ' - ' ~ m0 ~ ' else 0 end',
        'contraction': 'case when ' ~ m1 ~ ' > 0 and ' ~ m1 ~ ' < ' ~ m0 ~ ' then ' ~ m0 ~ ' - ' ~ m1 ~ ' else 0 end',
        'churned': 'case when ' ~ m0 ~ ' > 0 and ' ~ m1 ~ ' = 0 then ' ~ m0 ~ ' else 0 end',
        'reactivation': 'case when ' ~ m0 ~ ' = 0 and ' ~ m1 ~ ' > 0 and not ' ~ new ~ ' then ' ~ m1 ~ ' else 0 end',
    } -%}
    {%- if movement not in terms -%}
        {{ exceptions.raise_compiler_error("mrr_movement: unknown movement '" ~ movement ~ "'; one of "
            ~ terms.keys() | list | join(', ')) }}
    {%- endif -%}
    {{ return('(' ~ terms[movement] ~ ')') }}
{% endmacro %}
