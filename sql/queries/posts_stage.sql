-- Staging for one posts load: no indexes, dropped at commit; COPY fills it.
CREATE TEMP TABLE posts_staging (LIKE vk.posts INCLUDING DEFAULTS) ON COMMIT DROP;
