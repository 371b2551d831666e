with

daily as (

    select * from {{ ref('int_daily_active_users') }}

),

final as (

    select
        activity_date,
        cast(daily_active_users as {{ dbt.type_bigint() }}) as daily_active_users,
        cast(weekly_active_users as {{ dbt.type_bigint() }}) as weekly_active_users,
        cast(monthly_active_users as {{ dbt.type_bigint() }}) as monthly_active_users,
        cast(new_users as {{ dbt.type_bigint() }}) as new_users,
        cast({{ retention.stickiness('daily_active_users', 'monthly_active_users') }} as {{ retention.type_ratio() }})
            as dau_mau_ratio
    from daily

)

select * from final
