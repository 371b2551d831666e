-- The MRR identity: mrr_at_end = mrr_at_start + new + expansion + reactivation
-- - contraction - churned, for every period of every grain. Returns offenders.
select
    period_grain,
    period_start,
    mrr_at_start,
    mrr_at_end,
    mrr_at_start + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr as reconciled_mrr_at_end
from {{ ref('fct_revenue_retention') }}
where mrr_at_end <> mrr_at_start + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr
