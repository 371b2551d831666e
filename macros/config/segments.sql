{#- Segments (spec section 11): which dimensions fct_retention_by_segment is
    built over, the user's own customer attributes, and the value rules. -#}

{% macro segment_unknown_value() %}
    {#- A customer without a usable customers row, or whose value is null or blank. -#}
    {{ return("'(unknown)'") }}
{% endmacro %}


{% macro segment_no_plan_value() %}
    {#- A paying row whose plan_id is null or blank. -#}
    {{ return("'(none)'") }}
{% endmacro %}


{% macro fixed_segment_dimensions() %}
    {{ return(['country', 'acquisition_channel', 'plan']) }}
{% endmacro %}


{% macro reserved_segment_names() %}
    {#- Names a customer attribute may not take: a dimension above, or a column
        of fct_customer_periods (the attribute becomes a column beside them),
        or the personal-data column. -#}
    {{ return(retention.fixed_segment_dimensions() + [
        'basis', 'period_grain', 'period_start', 'period_end', 'is_complete_period', 'customer_id',
        'is_customer_at_start', 'is_customer_at_end', 'is_new_customer', 'is_retained_customer',
        'is_churned_customer', 'is_reactivated_customer', 'orders', 'revenue', 'is_returning_customer',
        'mrr_at_start', 'mrr_at_end', 'new_mrr', 'expansion_mrr', 'contraction_mrr', 'churned_mrr',
        'reactivation_mrr', 'mrr_12_months_before_end', 'email', 'email_hash', 'segment_dimension',
        'segment_value',
    ]) }}
{% endmacro %}


{% macro customer_attributes() %}
    {#- var customer_attributes: columns of the user's raw customers table that
        become segment dimensions (and columns of fct_customer_periods) with no
        model edited. Each is a plain column name: it reaches SQL as an
        identifier, so anything else is refused before any query. Whether the
        table has the column is checked when the model runs
        (customer_attribute_columns). -#}
    {%- set names = var('customer_attributes', []) -%}
    {%- if names is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set fix = "Set var customer_attributes to a list of column names of your customers table, e.g. "
        ~ "--vars '{customer_attributes: [industry, company_size]}', or leave it unset." -%}
    {%- if names is string or names is mapping or names is not iterable -%}
        {{ exceptions.raise_compiler_error("var customer_attributes must be a list of column names; got "
            ~ tojson(names) ~ ". " ~ fix) }}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- for name in names -%}
        {%- if name is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]{0,62}$', name) -%}
            {{ exceptions.raise_compiler_error("var customer_attributes names " ~ tojson(name)
                ~ ", which is not a plain column name (letters, digits and underscores, not starting with a digit). "
                ~ fix) }}
        {%- endif -%}
        {%- if (name | lower) in retention.reserved_segment_names() -%}
            {{ exceptions.raise_compiler_error("var customer_attributes names '" ~ name
                ~ "', which collides with a segment dimension or a column of fct_customer_periods ("
                ~ retention.fixed_segment_dimensions() | join(', ') ~ ", ...): country and acquisition_channel are "
                ~ "dimensions already; for another column of that name, give it another name in a view over your "
                ~ "customers table. " ~ fix) }}
        {%- endif -%}
        {%- if (name | lower) in seen -%}
            {{ exceptions.raise_compiler_error("var customer_attributes names '" ~ name ~ "' twice. " ~ fix) }}
        {%- endif -%}
        {%- do seen.append(name | lower) -%}
    {%- endfor -%}
    {{ return(names | list) }}
{% endmacro %}


{% macro customer_attribute_columns(raw) %}
    {#- {attribute: the raw customers column to read, quoted as stored}, from
        raw_source('crm', 'customers') as `raw` (its stored columns). Fails,
        naming the var, when the table does not exist or lacks a column. -#}
    {%- set attributes = retention.customer_attributes() -%}
    {%- set columns = {} -%}
    {%- if attributes | length == 0 -%}
        {{ return(columns) }}
    {%- endif -%}
    {%- if not execute -%}
        {%- for name in attributes -%}
            {%- do columns.update({name: name}) -%}
        {%- endfor -%}
        {{ return(columns) }}
    {%- endif -%}
    {%- if 'columns' not in raw -%}
        {{ exceptions.raise_compiler_error("var customer_attributes names " ~ attributes | join(', ')
            ~ ", but there is no raw customers table (" ~ source('crm', 'customers')
            ~ ") to read them from. Add the table, or unset var customer_attributes.") }}
    {%- endif -%}
    {%- set stored = raw['columns'] -%}
    {%- for name in attributes -%}
        {%- if (name | lower) not in stored -%}
            {{ exceptions.raise_compiler_error("var customer_attributes names '" ~ name ~ "', which is not a column of "
                ~ raw['stored'] ~ " (its columns: " ~ stored.values() | list | join(', ')
                ~ "). Name one of them, or unset var customer_attributes.") }}
        {%- endif -%}
        {%- do columns.update({name: adapter.quote(stored[name | lower])}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}


{% macro segment_dimensions() %}
    {#- var segment_dimensions: the dimensions fct_retention_by_segment is built
        over, in order. Unset: every one the data has (country and
        acquisition_channel when a raw customers table exists, plan when a raw
        subscriptions table does, then each customer attribute). -#}
    {%- set attributes = retention.customer_attributes() -%}
    {%- set known = retention.fixed_segment_dimensions() + attributes -%}
    {%- set chosen = var('segment_dimensions', none) -%}
    {%- if chosen is none -%}
        {%- set chosen = [] -%}
        {%- if not execute or retention.find_raw_relation('crm', 'customers') is not none -%}
            {%- do chosen.extend(['country', 'acquisition_channel']) -%}
        {%- endif -%}
        {%- if not execute or retention.find_raw_relation('billing', 'subscriptions') is not none -%}
            {%- do chosen.append('plan') -%}
        {%- endif -%}
        {{ return(chosen + attributes) }}
    {%- endif -%}
    {%- set fix = "Set var segment_dimensions to a list of some of " ~ known | join(', ')
        ~ " (customer attributes come from var customer_attributes), or leave it unset for every one." -%}
    {%- if chosen is string or chosen is mapping or chosen is not iterable -%}
        {{ exceptions.raise_compiler_error("var segment_dimensions must be a list; got " ~ tojson(chosen) ~ ". " ~ fix) }}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- for name in chosen -%}
        {%- if name not in known -%}
            {{ exceptions.raise_compiler_error("var segment_dimensions names " ~ tojson(name)
                ~ ", which is not a segment dimension. " ~ fix) }}
        {%- endif -%}
        {%- if name in seen -%}
            {{ exceptions.raise_compiler_error("var segment_dimensions names '" ~ name ~ "' twice. " ~ fix) }}
        {%- endif -%}
        {%- do seen.append(name) -%}
    {%- endfor -%}
    {{ return(chosen | list) }}
{% endmacro %}


{% macro segment_value(expression) -%}
    {#- A segment value of a raw value: trimmed text, case kept; null when blank. -#}
    nullif(trim(cast({{ expression }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{% macro single_segment_value(column) -%}
    {#- Aggregate over one customer's distinct raw rows: the value they all give,
        else (unknown) (no value, or rows that disagree). -#}
    case
        when count({{ column }}) = count(*) and min({{ column }}) = max({{ column }}) then min({{ column }})
        else {{ retention.segment_unknown_value() }}
    end
{%- endmacro %}


{% macro customer_period_sums() %}
    {#- What rows of fct_customer_periods add up to, as {column: aggregate} in
        the company-level marts' column names (in this order): the counts of
        each flag, the MRR sums (null on the orders basis) and the order columns
        (null on the subscriptions basis). fct_retention_by_segment sums each
        segment with it, and the data tests sum each period with it and compare
        its columns. -#}
    {{ return({
        'customers_at_start': 'sum(case when is_customer_at_start then 1 else 0 end)',
        'customers_at_end': 'sum(case when is_customer_at_end then 1 else 0 end)',
        'new_customers': 'sum(case when is_new_customer then 1 else 0 end)',
        'retained_customers': 'sum(case when is_retained_customer then 1 else 0 end)',
        'churned_customers': 'sum(case when is_churned_customer then 1 else 0 end)',
        'reactivated_customers': 'sum(case when is_reactivated_customer then 1 else 0 end)',
        'mrr_at_start': 'sum(mrr_at_start)',
        'mrr_at_end': 'sum(mrr_at_end)',
        'new_mrr': 'sum(new_mrr)',
        'expansion_mrr': 'sum(expansion_mrr)',
        'contraction_mrr': 'sum(contraction_mrr)',
        'churned_mrr': 'sum(churned_mrr)',
        'reactivation_mrr': 'sum(reactivation_mrr)',
        'mrr_12_months_before_end': 'sum(mrr_12_months_before_end)',
        'orders': 'sum(orders)',
        'ordering_customers': "sum(case when basis = 'orders' then case when orders > 0 then 1 else 0 end end)",
        'revenue': 'sum(revenue)',
        'repeat_customers': "sum(case when basis = 'orders' then case when orders >= 2 then 1 else 0 end end)",
        'returning_customers':
            "sum(case when basis = 'orders' then case when is_returning_customer then 1 else 0 end end)",
    }) }}
{% endmacro %}
