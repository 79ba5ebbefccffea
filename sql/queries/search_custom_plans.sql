-- Within a search (query/prepared.py custom_plans): statements planned for their parameters
-- again, still without parallel workers.
RESET plan_cache_mode;
