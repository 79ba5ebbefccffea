-- The period's earlier answer, replaced by the rows COPYed after it in the same transaction.
DELETE FROM analytics.posting_time_heatmap
WHERE period_start = %(period_start)s AND period_end = %(period_end)s;
