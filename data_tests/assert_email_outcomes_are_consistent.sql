-- Email counts per period and per campaign obey their definitions: deliveries
-- + bounces = sends; human opens <= opens <= deliveries; clicks <= opens (a
-- click counts as an open), so click_to_open_rate <= 1. Returns the rows
-- where not.

{%- set checks %}
    deliveries + bounces <> sends
    or unique_human_opens > unique_opens
    or unique_opens > deliveries
    or unique_clicks > unique_opens
    or unsubscribes > sends
    or spam_complaints > sends
    or click_to_open_rate > 1
{%- endset %}

select
    'period' as row_kind,
    period_grain || ' ' || cast(period_start as {{ dbt.type_string() }}) as row_key
from {{ ref('fct_email_engagement') }}
where {{ checks }}
union all
select
    'campaign' as row_kind,
    campaign_id as row_key
from {{ ref('fct_email_campaigns') }}
where {{ checks }}
