-- Where the next window of a month in the newest-first walk (query/search_months.py) starts:
-- the time of the month's %(skip)s+1-th newest comment before the `before` key (within the
-- group when one is given, from the floor's time and %(since)s on); no row when fewer remain.
-- Asked of the month's partition ({partition}), not through vk.comments: through the parent
-- table the partition key's bounds stay a condition the time index cannot answer, and every
-- comment counted is fetched from the heap (7,650 comments: 228 ms cold, against 1 ms for an
-- index-only scan of the partition's time index, or its group's). Sent unprepared with
-- query/prepared.py walk_plans (an index scan in the index's order, nothing else).
SELECT c.published_at
FROM {partition} AS c
WHERE NOT c.is_deleted
  AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
  AND c.published_at <= %(before_published_at)s
  AND c.published_at >= %(floor_published_at)s
  AND (%(since)s::timestamptz IS NULL OR c.published_at >= %(since)s)
ORDER BY c.published_at DESC
OFFSET %(skip)s
LIMIT 1;
