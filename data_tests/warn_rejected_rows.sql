-- Warns (never fails) while any raw row is rejected: look at rejected_rows,
-- fix the feed or the configuration (e.g. var exchange_rates).
{{ config(severity='warn') }}

select
    source_table,
    reason,
    count(*) as rejected
from {{ ref('rejected_rows') }}
group by source_table, reason
