-- Snapshots are kept long enough to see the partitions grow over a quarter; older ones go as
-- new ones are written (their rows with them, ON DELETE CASCADE).
DELETE FROM ops.health_snapshots WHERE taken_at < now() - %(keep)s::interval;
