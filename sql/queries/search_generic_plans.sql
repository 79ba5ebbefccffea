-- The first two search tiers run with generic plans: fixed by their SQL, made once per
-- connection, where planning every monthly partition anew would cost more than the answer.
SET plan_cache_mode = force_generic_plan;
