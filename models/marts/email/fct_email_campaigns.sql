{#- One row per campaign with a send up to the as-of date: its sends, their
    outcomes and pooled rates. Sends without a campaign count in
    fct_email_engagement only. -#}

with

outcomes as (

    select * from {{ ref('int_email_send_outcomes') }}
    where campaign_id is not null

),

final as (

    select
        cast(outcomes.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        min(outcomes.sent_at) as first_sent_at,
        max(outcomes.sent_at) as last_sent_at,
        {{ retention.email_engagement_columns('outcomes') }}
    from outcomes
    group by outcomes.campaign_id

)

select * from final
