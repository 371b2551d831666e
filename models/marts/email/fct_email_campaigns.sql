{#- One row per campaign with a send up to the as-of date: its sends, their
    outcomes and pooled rates. Sends without a campaign count in
    fct_email_engagement only. -#}

with

outcomes as (

    select * from {{ ref('int_email_send_outcomes') }}
    where campaign_id is not null

),

campaign_sends as (

    select
        outcomes.campaign_id,
        min(outcomes.sent_at) as first_sent_at,
        max(outcomes.sent_at) as last_sent_at,
        {{ retention.email_send_count('outcomes') }} as sends,
        {{ retention.email_send_count('outcomes', 'is_delivered') }} as deliveries,
        {{ retention.email_send_count('outcomes', 'is_bounced') }} as bounces,
        {{ retention.email_send_count('outcomes', 'is_opened') }} as unique_opens,
        {{ retention.email_send_count('outcomes', 'is_opened_by_person') }} as unique_human_opens,
        {{ retention.email_send_count('outcomes', 'is_clicked') }} as unique_clicks,
        {{ retention.email_send_count('outcomes', 'is_unsubscribed') }} as unsubscribes,
        {{ retention.email_send_count('outcomes', 'is_complained') }} as spam_complaints
    from outcomes
    group by outcomes.campaign_id

),

final as (

    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        first_sent_at,
        last_sent_at,
        sends,
        deliveries,
        bounces,
        unique_opens,
        unique_human_opens,
        unique_clicks,
        unsubscribes,
        spam_complaints,
        {{ retention.email_rate('unique_opens', 'deliveries') }} as open_rate,
        {{ retention.email_rate('unique_human_opens', 'deliveries') }} as human_open_rate,
        {{ retention.email_rate('unique_clicks', 'deliveries') }} as click_rate,
        {{ retention.email_rate('unique_clicks', 'unique_opens') }} as click_to_open_rate,
        {{ retention.email_rate('bounces', 'sends') }} as bounce_rate,
        {{ retention.email_rate('unsubscribes', 'deliveries') }} as unsubscribe_rate
    from campaign_sends

)

select * from final
