-- Counts of VK days long over and holds long ended: nothing reads them for a request any more,
-- and a deployment of many tokens would otherwise grow these tables by the day.
WITH usage AS (
    DELETE FROM vk.token_usage WHERE vk_day < %(oldest_day_kept)s::date RETURNING 1
), holds AS (
    DELETE FROM vk.token_holds WHERE until < now() - %(holds_kept)s::interval RETURNING 1
)
SELECT (SELECT count(*) FROM usage) AS usage_rows, (SELECT count(*) FROM holds) AS hold_rows;
