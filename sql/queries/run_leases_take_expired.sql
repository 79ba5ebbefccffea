-- Leases not renewed for longer than the expiry: their processes are gone. Deleting them is the
-- claim, so of several processes reaping at once exactly one acts on each dead run. The
-- database's clock judges every lease, whatever the clocks of the machines that hold them.
DELETE FROM vk.run_leases
WHERE renewed_at < now() - make_interval(secs => %(expiry_seconds)s)
RETURNING run_id, holder, renewed_at;
