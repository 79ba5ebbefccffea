-- A run that has ended holds nothing any more.
DELETE FROM vk.run_leases WHERE run_id = ANY(%(run_ids)s);
