DROP TABLE vk.token_holds;
DROP TABLE vk.token_usage;
DROP TABLE vk.token_pace;
