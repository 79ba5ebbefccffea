-- The period's earlier answer, replaced by the rows COPYed after it in the same transaction.
DELETE FROM analytics.community_days
WHERE day >= (%(start)s::timestamptz AT TIME ZONE %(timezone)s)::date
  AND day < (%(end)s::timestamptz AT TIME ZONE %(timezone)s)::date;
