-- The benchmark's floor: the four contract marts (fct_customer_retention,
-- fct_revenue_retention, fct_order_metrics, dim_customers) written by hand in
-- plain DuckDB SQL, straight from the raw Parquet files, for the project's
-- default vars: UTC periods, USD with no other rates, grains month, quarter and
-- year, W = one period, as-of = the latest order or subscription start.
--
-- Same cleaning as the base models (docs/metrics.md, section 3): ids trimmed,
-- statuses and billing intervals lower-cased, currencies upper-cased, exact
-- duplicate rows counted once, every row of a key on two different raw rows
-- rejected, timestamps outside [1900-01-01, run start + 1 day] rejected (an
-- ended_at after that is a running subscription), amounts of 10^15 or more,
-- negative amounts, refunds above the amount, unknown statuses or intervals,
-- missing values and currencies other than USD rejected. Only which rows are
-- usable matters here, so the reasons are not named.
--
-- The inputs are typed (lab/retention_lab/benchmark.py COLUMN_TYPES): no text parsing.
-- lab/retention_lab/benchmark_floor.py substitutes ${orders}, ${subscriptions},
-- ${customers}, ${events}, ${email_sends} and ${nps_responses} (the raw
-- relations, read_parquet([...]) in the benchmark; the last three are empty
-- there, as the benchmark's data has no engagement sources, and only add to
-- dim_customers: the customers they name and the latest NPS answer) and
-- ${latest_valid_at} (the run's start plus one day, UTC), and checks the result
-- against the dbt-built marts cell for cell.

-- 1. Orders ------------------------------------------------------------------
-- (trim() is computed once per use: nullif(trim(x), '') would compute it twice)

-- ids on more than one raw row: exact duplicates (counted once) or a conflict
create temp table repeated_order_ids as
select trim(order_id) as trimmed_id
from ${orders}
group by trimmed_id
having count(*) > 1;

-- their rows, each distinct row once
create temp table repeated_order_rows as
select distinct raw.*
from (select *, trim(order_id) as trimmed_id from ${orders}) as raw
semi join repeated_order_ids using (trimmed_id);

create temp table orders as
with candidates as (
    -- an id on one raw row
    select raw.*
    from (select *, trim(order_id) as trimmed_id from ${orders}) as raw
    anti join repeated_order_ids using (trimmed_id)
    union all
    -- an id whose rows are all the same row, once (an id on two different
    -- rows is a conflict: all of them are rejected)
    select *
    from repeated_order_rows
    where trimmed_id in (select trimmed_id from repeated_order_rows group by trimmed_id having count(*) = 1)
),
normalised as (
    select
        trimmed_id as order_id,
        trim(customer_id) as customer_id,
        ordered_at,
        lower(trim(status)) as status,
        amount,
        refunded_amount,
        upper(trim(currency)) as currency
    from candidates
)
select
    customer_id,
    ordered_at,
    status = 'completed' as is_counted,
    -- an order's revenue (amounts are decimal(18, 2) below 10^15, so it fits)
    cast(amount - coalesce(refunded_amount, 0) as decimal(18, 2)) as revenue
from normalised
where
    order_id <> ''
    and customer_id <> ''
    and ordered_at >= timestamp '1900-01-01' and ordered_at <= timestamp '${latest_valid_at}'
    and status in ('completed', 'refunded', 'cancelled', 'pending')
    and abs(cast(amount as double)) < 1e15 and amount >= 0
    and (
        refunded_amount is null
        or (abs(cast(refunded_amount as double)) < 1e15 and refunded_amount >= 0 and refunded_amount <= amount)
    )
    and currency = 'USD';

-- 2. Subscription price periods ------------------------------------------------

create temp table subscriptions as
with normalised as (
    select
        trim(subscription_id) as subscription_id,
        trim(customer_id) as customer_id,
        started_at,
        ended_at,
        lower(trim(billing_interval)) as billing_interval,
        amount,
        quantity,
        upper(trim(currency)) as currency
    -- exact duplicate rows count once
    from (select distinct * from ${subscriptions})
),
keyed as (
    -- a price period (subscription_id, started_at) on two different rows: all rejected
    select *, count(*) over (partition by subscription_id, started_at) as versions
    from normalised
    where
        subscription_id <> ''
        and started_at >= timestamp '1900-01-01' and started_at <= timestamp '${latest_valid_at}'
)
select
    customer_id,
    started_at,
    -- an end after the run's start plus one day has not happened: still running
    case when ended_at <= timestamp '${latest_valid_at}' then ended_at end as ended_at,
    -- MRR as the project's monthly_recurring_revenue macro computes it
    cast(case billing_interval
        when 'week' then cast(amount as decimal(38, 6)) * coalesce(quantity, 1) * 52 / 12
        when 'month' then cast(amount as decimal(38, 6)) * coalesce(quantity, 1)
        when 'quarter' then cast(amount as decimal(38, 6)) * coalesce(quantity, 1) / 3
        when 'year' then cast(amount as decimal(38, 6)) * coalesce(quantity, 1) / 12
    end as decimal(38, 6)) as mrr
from keyed
where
    versions = 1
    and customer_id <> ''
    -- (an end after the range is after the start, so this keeps it too)
    and (ended_at is null or (ended_at >= timestamp '1900-01-01' and ended_at > started_at))
    and billing_interval in ('week', 'month', 'quarter', 'year')
    and abs(cast(amount as double)) < 1e15 and amount >= 0
    and (quantity is null or quantity >= 0)
    and currency = 'USD';

-- 3. CRM customers --------------------------------------------------------------

create temp table crm_customers as
with normalised as (
    select
        trim(customer_id) as customer_id,
        created_at,
        nullif(upper(trim(country)), '') as country,
        nullif(lower(trim(acquisition_channel)), '') as acquisition_channel
    -- exact duplicate rows (over every column, the email too) count once
    from (select distinct * from ${customers})
),
keyed as (
    -- a customer_id on two different rows: all rejected
    select *, count(*) over (partition by customer_id) as versions
    from normalised
    where customer_id <> ''
)
select customer_id, created_at, country, acquisition_channel
from keyed
where
    versions = 1
    and (created_at is null
        or (created_at >= timestamp '1900-01-01' and created_at <= timestamp '${latest_valid_at}'));

-- 4. Reporting window and periods -----------------------------------------------

create temp table reporting_window as
with activity as (
    select min(ordered_at) as first_at, max(ordered_at) as last_at from orders
    union all
    select min(started_at), max(started_at) from subscriptions
)
select
    cast(min(first_at) as date) as first_activity_date,
    cast(max(last_at) as date) as as_of_date,
    cast(cast(max(last_at) as date) + interval 1 day as timestamp) as as_of_at
from activity
having min(first_at) is not null;

create temp table periods as
with grains(period_grain, months) as (
    values ('month', 1), ('quarter', 3), ('year', 12)
),
starts as (
    select
        grains.period_grain,
        grains.months,
        reporting_window.as_of_date,
        cast(unnest(generate_series(
            date_trunc(grains.period_grain, reporting_window.first_activity_date),
            date_trunc(grains.period_grain, reporting_window.as_of_date),
            to_months(grains.months)
        )) as date) as period_start
    from grains
    cross join reporting_window
)
select
    period_grain,
    period_start,
    cast(period_start + to_months(months) - interval 1 day as date) as period_end,
    cast(period_start + to_months(months) as date) as next_period_start,
    -- the end of the period twelve months before this one's end
    cast(period_start + to_months(months) - interval 12 month as date) as end_12_months_earlier,
    as_of_date < period_start or as_of_date >= cast(period_start + to_months(months) as date) as is_complete_period,
    months,
    (year(period_start) * 12 + month(period_start) - 1) // months as period_number
from starts;

-- 5. Counted orders before the as-of instant, each with the months (since year
-- 0) of itself and of the customer's two previous counted orders, and the gap
-- to the previous one in fractional days (as the project's days_between)

create temp table counted_orders as
select
    customer_id,
    ordered_at,
    revenue,
    year(ordered_at) * 12 + month(ordered_at) - 1 as month_number,
    year(lag(ordered_at) over customer_orders) * 12 + month(lag(ordered_at) over customer_orders) - 1
        as previous_month_number,
    year(lag(ordered_at, 2) over customer_orders) * 12 + month(lag(ordered_at, 2) over customer_orders) - 1
        as second_previous_month_number,
    cast(date_diff('second', lag(ordered_at) over customer_orders, ordered_at) as double) / 86400
        as days_since_previous_order
from orders
where is_counted and ordered_at < (select as_of_at from reporting_window)
window customer_orders as (partition by customer_id order by ordered_at);

-- 6. Orders basis and order metrics per period, for each grain ---------------------
-- W = one period: a customer at the end of P ordered in P, at its start in the
-- period before. With periods numbered (month_number // months per period), an
-- order is its customer's first in P when their previous one is in an earlier
-- period, their first ever when there is none, and their second in P when the
-- previous is in P and the one before it is not.

create temp table order_period_totals as
with numbered as (
    select
        grains.period_grain,
        counted_orders.month_number // grains.months as period_number,
        counted_orders.previous_month_number // grains.months as previous_period_number,
        counted_orders.second_previous_month_number // grains.months as second_previous_period_number,
        counted_orders.revenue,
        counted_orders.days_since_previous_order
    from counted_orders
    cross join (values ('month', 1), ('quarter', 3), ('year', 12)) as grains(period_grain, months)
)
select
    period_grain,
    period_number,
    count(*) as orders,
    sum(revenue) as revenue,
    count(*) filter (where previous_period_number is null or previous_period_number < period_number)
        as ordering_customers,
    count(*) filter (where previous_period_number is null) as new_customers,
    count(*) filter (where previous_period_number = period_number - 1) as retained_customers,
    count(*) filter (
        where previous_period_number = period_number
        and (second_previous_period_number is null or second_previous_period_number < period_number)
    ) as repeat_customers,
    avg(days_since_previous_order) as average_days_between_purchases,
    quantile_cont(days_since_previous_order, 0.5) as median_days_between_purchases
from numbered
group by all;

-- 7. Subscriptions basis: MRR per customer at every period boundary --------------

create temp table paying_subscriptions as
select customer_id, started_at, ended_at, mrr
from subscriptions
where mrr > 0 and started_at < (select as_of_at from reporting_window);

-- a customer's MRR at instant t: their paying rows running in the last moment
-- before t (started before t, not ended before t)
create temp table customer_mrr_at as
with boundaries as (
    select period_start as boundary from periods
    union
    select next_period_start from periods
)
select boundaries.boundary, paying.customer_id, sum(paying.mrr) as mrr
from paying_subscriptions as paying
inner join boundaries
    on
        paying.started_at < cast(boundaries.boundary as timestamp)
        and (paying.ended_at is null or paying.ended_at >= cast(boundaries.boundary as timestamp))
group by all;

create temp table mrr_at as
select boundary, count(*) as customers, sum(mrr) as mrr
from customer_mrr_at
group by boundary;

create temp table subscription_period_totals as
with
-- customers with MRR at both the start (m0) and the end (m1) of the period
kept as (
    select
        periods.period_grain,
        periods.period_start,
        count(*) as retained_customers,
        sum(at_start.mrr) as kept_mrr_at_start,
        sum(at_end.mrr) as kept_mrr_at_end,
        sum(at_end.mrr - at_start.mrr) filter (where at_end.mrr > at_start.mrr) as expansion_mrr,
        sum(at_start.mrr - at_end.mrr) filter (where at_end.mrr < at_start.mrr) as contraction_mrr
    from periods
    inner join customer_mrr_at as at_start on at_start.boundary = periods.period_start
    inner join customer_mrr_at as at_end
        on at_end.boundary = periods.next_period_start and at_end.customer_id = at_start.customer_id
    group by all
),
-- customers whose first paying row starts in the period (none has MRR at its start)
new_customers as (
    select
        periods.period_grain,
        periods.period_start,
        count(*) as new_customers,
        count(at_end.mrr) as new_customers_at_end,
        sum(at_end.mrr) as new_mrr
    from (
        select customer_id, min(started_at) as first_paying_started_at
        from paying_subscriptions
        group by customer_id
    ) as firsts
    inner join periods
        on periods.period_start = cast(date_trunc(periods.period_grain, firsts.first_paying_started_at) as date)
    left join customer_mrr_at as at_end
        on at_end.boundary = periods.next_period_start and at_end.customer_id = firsts.customer_id
    group by all
),
-- MRR now of the customers who had MRR twelve months earlier, at every boundary
year_ago_customers as (
    select now.boundary, sum(now.mrr) as mrr_now
    from customer_mrr_at as now
    inner join customer_mrr_at as year_ago
        on year_ago.customer_id = now.customer_id and year_ago.boundary = cast(now.boundary - interval 12 month as date)
    group by now.boundary
)
select
    periods.period_grain,
    periods.period_start,
    coalesce(at_start.customers, 0) as customers_at_start,
    coalesce(at_end.customers, 0) as customers_at_end,
    coalesce(new_customers.new_customers, 0) as new_customers,
    coalesce(kept.retained_customers, 0) as retained_customers,
    coalesce(at_end.customers, 0) - coalesce(kept.retained_customers, 0)
        - coalesce(new_customers.new_customers_at_end, 0) as reactivated_customers,
    coalesce(at_start.mrr, 0) as mrr_at_start,
    coalesce(at_end.mrr, 0) as mrr_at_end,
    coalesce(new_customers.new_mrr, 0) as new_mrr,
    coalesce(kept.expansion_mrr, 0) as expansion_mrr,
    coalesce(kept.contraction_mrr, 0) as contraction_mrr,
    coalesce(at_start.mrr, 0) - coalesce(kept.kept_mrr_at_start, 0) as churned_mrr,
    coalesce(at_end.mrr, 0) - coalesce(kept.kept_mrr_at_end, 0) - coalesce(new_customers.new_mrr, 0)
        as reactivation_mrr,
    coalesce(year_ago_customers.mrr_now, 0) as mrr_now_of_year_ago_customers,
    coalesce(year_ago.mrr, 0) as mrr_12_months_before_end
from periods
left join mrr_at as at_start on at_start.boundary = periods.period_start
left join mrr_at as at_end on at_end.boundary = periods.next_period_start
left join mrr_at as year_ago on year_ago.boundary = periods.end_12_months_earlier
left join kept using (period_grain, period_start)
left join new_customers using (period_grain, period_start)
left join year_ago_customers on year_ago_customers.boundary = periods.next_period_start;

-- 8. The marts ------------------------------------------------------------------

create or replace table fct_customer_retention as
with bases as (
    select 'orders' as basis where exists (select 1 from orders)
    union all
    select 'subscriptions' where exists (select 1 from subscriptions)
),
orders_basis as (
    select
        periods.period_grain,
        periods.period_start,
        -- the start of P is the end of the period before it
        coalesce(lag(totals.ordering_customers) over (
            partition by periods.period_grain order by periods.period_start
        ), 0) as customers_at_start,
        coalesce(totals.ordering_customers, 0) as customers_at_end,
        coalesce(totals.new_customers, 0) as new_customers,
        coalesce(totals.retained_customers, 0) as retained_customers
    from periods
    left join order_period_totals as totals using (period_grain, period_number)
),
counts as (
    select
        'orders' as basis, period_grain, period_start, customers_at_start, customers_at_end, new_customers,
        retained_customers,
        -- at the end, not at the start, not new
        customers_at_end - retained_customers - new_customers as reactivated_customers
    from orders_basis
    union all
    select
        'subscriptions', period_grain, period_start, customers_at_start, customers_at_end, new_customers,
        retained_customers, reactivated_customers
    from subscription_period_totals
)
select
    cast(counts.basis as varchar) as basis,
    cast(counts.period_grain as varchar) as period_grain,
    counts.period_start,
    periods.period_end,
    periods.is_complete_period,
    cast(counts.customers_at_start as bigint) as customers_at_start,
    cast(counts.customers_at_end as bigint) as customers_at_end,
    cast(counts.new_customers as bigint) as new_customers,
    cast(counts.retained_customers as bigint) as retained_customers,
    cast(counts.customers_at_start - counts.retained_customers as bigint) as churned_customers,
    cast(counts.reactivated_customers as bigint) as reactivated_customers,
    cast(counts.customers_at_end - counts.new_customers as double)
        / nullif(cast(counts.customers_at_start as double), 0) as customer_retention_rate,
    cast(counts.customers_at_start - counts.retained_customers as double)
        / nullif(cast(counts.customers_at_start as double), 0) as customer_churn_rate,
    cast(counts.retained_customers as double)
        / nullif(cast(counts.customers_at_start as double), 0) as retained_customer_rate
from counts
inner join bases using (basis)
inner join periods using (period_grain, period_start);

create or replace table fct_revenue_retention as
with totals as (
    select
        period_grain,
        period_start,
        cast(mrr_at_start as decimal(38, 6)) as mrr_at_start,
        cast(mrr_at_end as decimal(38, 6)) as mrr_at_end,
        cast(new_mrr as decimal(38, 6)) as new_mrr,
        cast(expansion_mrr as decimal(38, 6)) as expansion_mrr,
        cast(contraction_mrr as decimal(38, 6)) as contraction_mrr,
        cast(churned_mrr as decimal(38, 6)) as churned_mrr,
        cast(reactivation_mrr as decimal(38, 6)) as reactivation_mrr,
        cast(mrr_now_of_year_ago_customers as decimal(38, 6)) as mrr_now_of_year_ago_customers,
        cast(mrr_12_months_before_end as decimal(38, 6)) as mrr_12_months_before_end,
        customers_at_start,
        customers_at_end,
        customers_at_start - retained_customers as churned_customers
    from subscription_period_totals
    where exists (select 1 from subscriptions)
)
select
    cast(totals.period_grain as varchar) as period_grain,
    totals.period_start,
    periods.period_end,
    periods.is_complete_period,
    mrr_at_start,
    mrr_at_end,
    new_mrr,
    expansion_mrr,
    contraction_mrr,
    churned_mrr,
    reactivation_mrr,
    cast(churned_mrr + contraction_mrr - expansion_mrr as decimal(38, 6)) as net_churned_mrr,
    cast(churned_mrr + contraction_mrr as double) / nullif(cast(mrr_at_start as double), 0)
        as gross_revenue_churn_rate,
    cast(churned_mrr + contraction_mrr - expansion_mrr as double) / nullif(cast(mrr_at_start as double), 0)
        as net_revenue_churn_rate,
    cast(mrr_at_start + expansion_mrr - contraction_mrr - churned_mrr as double)
        / nullif(cast(mrr_at_start as double), 0) as net_revenue_retention,
    cast(mrr_at_start - contraction_mrr - churned_mrr as double) / nullif(cast(mrr_at_start as double), 0)
        as gross_revenue_retention,
    cast(new_mrr + expansion_mrr + reactivation_mrr as double)
        / nullif(cast(churned_mrr + contraction_mrr as double), 0) as quick_ratio,
    mrr_12_months_before_end,
    cast(mrr_now_of_year_ago_customers as double) / nullif(cast(mrr_12_months_before_end as double), 0)
        as net_revenue_retention_12m,
    cast(mrr_at_end as double) / nullif(cast(customers_at_end as double), 0) as average_revenue_per_account,
    cast(12 * mrr_at_end as decimal(38, 6)) as annual_run_rate,
    -- ARPA over the monthly churn rate, at the month grain only
    case when totals.period_grain = 'month' then
        (cast(mrr_at_end as double) / nullif(cast(customers_at_end as double), 0))
        / nullif(cast(churned_customers as double) / nullif(cast(customers_at_start as double), 0), 0)
    end as lifetime_value
from totals
inner join periods using (period_grain, period_start);

create or replace table fct_order_metrics as
with filled as (
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_complete_period,
        coalesce(totals.orders, 0) as orders,
        coalesce(totals.ordering_customers, 0) as ordering_customers,
        cast(coalesce(totals.revenue, 0) as decimal(38, 6)) as revenue,
        coalesce(totals.repeat_customers, 0) as repeat_customers,
        -- an ordering customer who is not new ordered before P
        coalesce(totals.ordering_customers - totals.new_customers, 0) as returning_customers,
        totals.average_days_between_purchases,
        totals.median_days_between_purchases
    from periods
    left join order_period_totals as totals using (period_grain, period_number)
    where exists (select 1 from orders)
),
with_previous as (
    select *, lag(revenue) over (partition by period_grain order by period_start) as previous_revenue
    from filled
)
select
    cast(period_grain as varchar) as period_grain,
    period_start,
    period_end,
    is_complete_period,
    cast(orders as bigint) as orders,
    cast(ordering_customers as bigint) as ordering_customers,
    revenue,
    cast(revenue as double) / nullif(cast(orders as double), 0) as average_order_value,
    cast(orders as double) / nullif(cast(ordering_customers as double), 0) as purchase_frequency,
    cast(repeat_customers as bigint) as repeat_customers,
    cast(repeat_customers as double) / nullif(cast(ordering_customers as double), 0) as repeat_customer_rate,
    cast(returning_customers as bigint) as returning_customers,
    previous_revenue as previous_period_revenue,
    cast(revenue - previous_revenue as double) / nullif(cast(previous_revenue as double), 0)
        as revenue_growth_rate,
    cast(average_days_between_purchases as double) as average_days_between_purchases,
    cast(median_days_between_purchases as double) as median_days_between_purchases
from with_previous;

-- customers named by usable product events and email sends, and usable NPS
-- answers (the same rules as their base models; exact duplicates count once)
create temp table engagement_customers as
with events as (
    select
        nullif(trim(event_id), '') as event_id,
        nullif(trim(user_id), '') as user_id,
        nullif(trim(customer_id), '') as customer_id,
        occurred_at,
        nullif(trim(event_name), '') as event_name
    from (select distinct * from ${events})
),
usable_events as (
    select *, count(*) over (partition by event_id) as versions
    from events
),
sends as (
    select
        nullif(trim(send_id), '') as send_id,
        nullif(trim(customer_id), '') as customer_id,
        sent_at
    from (select distinct * from ${email_sends})
),
usable_sends as (
    select *, count(*) over (partition by send_id) as versions
    from sends
    where send_id is not null
)
select customer_id from usable_events
where
    (event_id is null or versions = 1)
    and user_id is not null and customer_id is not null and event_name is not null
    and occurred_at >= timestamp '1900-01-01' and occurred_at <= timestamp '${latest_valid_at}'
union
select customer_id from usable_sends
where
    versions = 1 and customer_id is not null
    and sent_at >= timestamp '1900-01-01' and sent_at <= timestamp '${latest_valid_at}';

create temp table nps_answers as
with responses as (
    select
        nullif(trim(response_id), '') as response_id,
        nullif(trim(customer_id), '') as customer_id,
        responded_at,
        score
    from (select distinct * from ${nps_responses})
),
keyed as (
    select *, count(*) over (partition by response_id) as versions
    from responses
    where response_id is not null
)
select response_id, customer_id, responded_at, cast(score as integer) as score
from keyed
where
    versions = 1
    and responded_at >= timestamp '1900-01-01' and responded_at <= timestamp '${latest_valid_at}'
    and score between 0 and 10 and score = floor(score);

create or replace table dim_customers as
with known_customers as (
    select customer_id from orders
    union
    select customer_id from subscriptions
    union
    select customer_id from crm_customers
    union
    select customer_id from engagement_customers
    union
    select customer_id from nps_answers where customer_id is not null
),
latest_nps as (
    -- the latest answer before the as-of instant; ties: the greatest response_id
    select customer_id, score, responded_at
    from (
        select
            *,
            row_number() over (partition by customer_id order by responded_at desc, response_id desc) as rank
        from nps_answers
        where customer_id is not null and responded_at < (select as_of_at from reporting_window)
    )
    where rank = 1
),
order_totals as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as order_count,
        sum(revenue) as lifetime_revenue,
        avg(days_since_previous_order) as mean_days_between_orders,
        quantile_cont(days_since_previous_order, 0.5) as median_days_between_orders
    from counted_orders
    group by customer_id
),
subscription_totals as (
    select
        customer_id,
        min(started_at) as first_paying_subscription_at,
        -- MRR at the as-of instant
        sum(mrr) filter (where ended_at is null or ended_at >= (select as_of_at from reporting_window))
            as current_mrr
    from paying_subscriptions
    group by customer_id
)
select
    cast(known_customers.customer_id as varchar) as customer_id,
    crm_customers.created_at,
    crm_customers.country,
    crm_customers.acquisition_channel,
    -- null without RETENTION_EMAIL_HASH_KEY, which the benchmark leaves unset
    cast(null as varchar) as email_hash,
    order_totals.first_order_at,
    order_totals.last_order_at,
    cast(coalesce(order_totals.order_count, 0) as bigint) as order_count,
    cast(coalesce(order_totals.lifetime_revenue, 0) as decimal(38, 6)) as lifetime_revenue,
    cast(order_totals.lifetime_revenue as double) / nullif(cast(order_totals.order_count as double), 0)
        as average_order_value,
    coalesce(order_totals.order_count, 0) >= 2 as is_repeat_customer,
    order_totals.mean_days_between_orders,
    order_totals.median_days_between_orders,
    subscription_totals.first_paying_subscription_at,
    cast(coalesce(subscription_totals.current_mrr, 0) as decimal(38, 6)) as current_mrr,
    coalesce(subscription_totals.current_mrr, 0) > 0 as is_active_subscriber,
    latest_nps.score as latest_nps_score,
    case
        when latest_nps.score >= 9 then 'promoter'
        when latest_nps.score >= 7 then 'passive'
        when latest_nps.score >= 0 then 'detractor'
    end as latest_nps_category,
    latest_nps.responded_at as latest_nps_responded_at
from known_customers
left join crm_customers using (customer_id)
left join order_totals using (customer_id)
left join subscription_totals using (customer_id)
left join latest_nps using (customer_id);
