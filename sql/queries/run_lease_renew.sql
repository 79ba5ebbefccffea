-- Taken at the start and renewed while the process works for the run.
INSERT INTO vk.run_leases (run_id, holder) VALUES (%(run_id)s, %(holder)s)
ON CONFLICT (run_id, holder) DO UPDATE SET renewed_at = now();
