-- The communities each run has loaded, per asset and range of days. A run retried by Dagster
-- or re-executed from failure (after VK's daily quota ran out, say) reads only the communities
-- its earlier attempts did not finish: quota is not spent twice on the same walls. A new run
-- of the same days reads everything again, as a refresh should.
CREATE TABLE vk.group_loads (
    -- The run, or for a re-execution the first run of its chain (Dagster's root run).
    root_run_id  text        NOT NULL CHECK (root_run_id <> ''),
    asset        text        NOT NULL CHECK (asset IN ('posts', 'comments')),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL CHECK (window_end > window_start),
    group_id     bigint      NOT NULL REFERENCES vk.groups (group_id) ON DELETE CASCADE,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (root_run_id, asset, window_start, window_end, group_id)
);

-- Old entries are forgotten as new ones are written (group_loads_record.sql).
CREATE INDEX group_loads_loaded_at_idx ON vk.group_loads (loaded_at);
