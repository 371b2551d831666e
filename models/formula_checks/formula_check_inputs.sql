{#- An empty relation with the argument columns the formula checks read; unit
    tests give it rows. -#}

select
    cast(null as {{ retention.type_ratio() }}) as a,
    cast(null as {{ retention.type_ratio() }}) as b,
    cast(null as {{ retention.type_ratio() }}) as c,
    cast(null as {{ retention.type_ratio() }}) as d,
    cast(null as {{ retention.type_ratio() }}) as e,
    cast(null as {{ retention.type_money() }}) as amount,
    cast(null as {{ dbt.type_bigint() }}) as quantity,
    cast(null as {{ dbt.type_string() }}) as text_value,
    cast(null as date) as on_date
where 1 = 0
