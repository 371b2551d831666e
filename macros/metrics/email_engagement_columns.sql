{#- The counts and pooled rates of email sends, as select columns over a group
    of rows of int_email_send_outcomes: shared by fct_email_engagement (per
    period) and fct_email_campaigns (per campaign). Each rate is email_rate of
    two counts, sums over sums. -#}
{% macro email_engagement_columns(outcomes) -%}
    {%- set counts = [
        ('sends', 'true'),
        ('deliveries', outcomes ~ '.is_delivered'),
        ('bounces', outcomes ~ '.is_bounced'),
        ('unique_opens', outcomes ~ '.is_opened'),
        ('unique_human_opens', outcomes ~ '.is_opened_by_person'),
        ('unique_clicks', outcomes ~ '.is_clicked'),
        ('unsubscribes', outcomes ~ '.is_unsubscribed'),
        ('spam_complaints', outcomes ~ '.is_complained'),
    ] -%}
    {%- set count_sql = {} -%}
    {%- for name, condition in counts -%}
        {%- do count_sql.update({name: 'sum(case when ' ~ outcomes ~ '.send_id is not null and ' ~ condition ~ ' then 1 else 0 end)'}) -%}
    {%- endfor -%}
    {%- set rates = [
        ('open_rate', 'unique_opens', 'deliveries'),
        ('human_open_rate', 'unique_human_opens', 'deliveries'),
        ('click_rate', 'unique_clicks', 'deliveries'),
        ('click_to_open_rate', 'unique_clicks', 'unique_opens'),
        ('bounce_rate', 'bounces', 'sends'),
        ('unsubscribe_rate', 'unsubscribes', 'deliveries'),
    ] -%}
    {%- for name, _ in counts %}
        cast({{ count_sql[name] }} as {{ dbt.type_bigint() }}) as {{ name }},
    {%- endfor %}
    {%- for name, numerator, denominator in rates %}
        cast({{ retention.email_rate(count_sql[numerator], count_sql[denominator]) }} as {{ retention.type_ratio() }})
            as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
