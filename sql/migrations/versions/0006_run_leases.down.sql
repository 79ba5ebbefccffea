DROP TABLE vk.run_leases;
