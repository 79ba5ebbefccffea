-- The first two search tiers run with generic plans: fixed by their SQL, made once per
-- connection, where planning every monthly partition anew would cost more than the answer.
-- And no search statement runs in parallel: starting workers takes milliseconds, more than
-- a search reads, and a generic plan's estimates (no word known) can make it look worth it.
SELECT set_config('plan_cache_mode', 'force_generic_plan', false),
       set_config('max_parallel_workers_per_gather', '0', false);
