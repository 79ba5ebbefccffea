DELETE FROM vk.run_leases WHERE run_id = %(run_id)s AND holder = %(holder)s;
