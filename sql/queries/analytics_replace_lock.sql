-- Runs that replace rows of one analytics table do it one after the other: a second run of a
-- period waits here until the first commits, and its DELETE (a statement later, so it sees that
-- commit) then removes the first run's rows instead of its COPY colliding with them.
SELECT pg_advisory_xact_lock(hashtext('analytics.' || %(table)s::text));
