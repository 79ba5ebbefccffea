-- After error 6 every user of the token waits, not only the one VK answered.
INSERT INTO vk.token_pace AS p (endpoint, token_fp, next_at)
VALUES (%(endpoint)s, %(token_fp)s, clock_timestamp() + make_interval(secs => %(seconds)s))
ON CONFLICT (endpoint, token_fp)
    DO UPDATE SET next_at = greatest(p.next_at, excluded.next_at);
