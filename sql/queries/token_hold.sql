-- The latest word on a token wins: a rest renewed by a later 29, a rejection by a later one.
INSERT INTO vk.token_holds (endpoint, token_fp, method, until, reason)
VALUES (%(endpoint)s, %(token_fp)s, %(method)s, to_timestamp(%(until)s), %(reason)s)
ON CONFLICT (endpoint, token_fp, method)
    DO UPDATE SET until = excluded.until, reason = excluded.reason;
