-- The period's earlier answer, replaced by the rows COPYed after it in the same transaction.
DELETE FROM analytics.post_engagement WHERE published_at >= %(start)s AND published_at < %(end)s;
