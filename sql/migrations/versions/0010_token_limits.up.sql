-- A VK token's limits hold for the token, not for the process using it: two Celery workers, or a
-- backfill and the nightly run, that share a token must together stay within its requests per
-- second and daily quotas, and a token VK rested (error 29) or rejected (error 5) is skipped by
-- every process. Tokens are named by their sha256 fingerprint, never stored in clear text;
-- `endpoint` keeps the real API and each stand-in apart.

-- The next free request slot of each token, on the database's clock (one clock for every machine).
CREATE TABLE vk.token_pace (
    endpoint  text        NOT NULL CHECK (endpoint <> ''),
    token_fp  text        NOT NULL CHECK (token_fp ~ '^[0-9a-f]{64}$'),
    next_at   timestamptz NOT NULL,
    PRIMARY KEY (endpoint, token_fp)
);

-- Calls each token made of each method in a VK day (execute's inner calls counted one by one):
-- what is left of a daily quota before VK has to say so with error 29.
CREATE TABLE vk.token_usage (
    endpoint  text    NOT NULL CHECK (endpoint <> ''),
    token_fp  text    NOT NULL CHECK (token_fp ~ '^[0-9a-f]{64}$'),
    method    text    NOT NULL CHECK (method <> ''),
    vk_day    date    NOT NULL,
    calls     integer NOT NULL CHECK (calls >= 0),
    PRIMARY KEY (endpoint, token_fp, method, vk_day)
);

-- A token not to be used until `until`: for one method after its daily quota ran out (29), or
-- for every method ('*') after VK rejected it (5, 28, 1117). A rejection is held for hours, not
-- forever: VK has been seen to answer 5 for a moment, and one request later tells the truth.
CREATE TABLE vk.token_holds (
    endpoint  text        NOT NULL CHECK (endpoint <> ''),
    token_fp  text        NOT NULL CHECK (token_fp ~ '^[0-9a-f]{64}$'),
    method    text        NOT NULL CHECK (method <> ''),
    until     timestamptz NOT NULL,
    reason    text        NOT NULL,
    PRIMARY KEY (endpoint, token_fp, method)
);
