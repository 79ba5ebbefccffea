DROP TABLE vk.group_loads;
