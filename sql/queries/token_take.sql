-- One round trip per VK request: unless a hold in force covers one of its methods, reserve the
-- token's next request slot and count its calls. The row lock on token_pace makes concurrent
-- takers of one token (threads, processes, machines) queue for distinct slots.
WITH held AS (
    SELECT method, extract(epoch FROM until)::float8 AS until, reason
    FROM vk.token_holds
    WHERE endpoint = %(endpoint)s AND token_fp = %(token_fp)s
      AND method = ANY(%(methods)s::text[] || ARRAY['*']) AND until > now()
), pace AS (
    INSERT INTO vk.token_pace AS p (endpoint, token_fp, next_at)
    SELECT %(endpoint)s, %(token_fp)s, clock_timestamp() + make_interval(secs => %(interval)s)
    WHERE NOT EXISTS (SELECT FROM held)
    ON CONFLICT (endpoint, token_fp) DO UPDATE
        SET next_at = greatest(p.next_at, clock_timestamp()) + make_interval(secs => %(interval)s)
    RETURNING next_at
), spent AS (
    INSERT INTO vk.token_usage AS u (endpoint, token_fp, method, vk_day, calls)
    SELECT %(endpoint)s, %(token_fp)s, m.method, %(vk_day)s, m.calls
    FROM unnest(%(methods)s::text[], %(calls)s::integer[]) AS m(method, calls)
    WHERE NOT EXISTS (SELECT FROM held)
    ON CONFLICT (endpoint, token_fp, method, vk_day) DO UPDATE SET calls = u.calls + excluded.calls
    RETURNING method, calls
)
SELECT
    (SELECT extract(epoch FROM next_at - clock_timestamp())::float8 FROM pace) - %(interval)s
        AS wait_seconds,
    (SELECT coalesce(jsonb_object_agg(method, calls), '{}') FROM spent) AS used,
    (SELECT coalesce(jsonb_agg(held), '[]') FROM held) AS holds;
