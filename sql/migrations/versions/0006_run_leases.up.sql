-- A process that executes a run's steps holds a lease and renews it every few seconds. A run
-- whose process was killed (SIGKILL, OOM, a lost machine, a dead Celery worker) stops renewing:
-- any live process of the deployment then fails that run and frees its pool slots, so one crash
-- never blocks the runs queued behind it (Dagster's own run monitoring cannot see a run started
-- from the command line, nor a step whose worker died).
CREATE TABLE vk.run_leases (
    run_id       text        NOT NULL CHECK (run_id <> ''),
    -- host:pid of the process: several processes (Celery workers) may serve one run.
    holder       text        NOT NULL CHECK (holder <> ''),
    acquired_at  timestamptz NOT NULL DEFAULT now(),
    renewed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, holder)
);

-- The reaper asks for leases not renewed for a while.
CREATE INDEX run_leases_renewed_at_idx ON vk.run_leases (renewed_at);
