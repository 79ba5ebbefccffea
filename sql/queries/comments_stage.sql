-- Staging for one group's comments: no indexes and no search vector (LIKE leaves generated
-- columns plain), so COPY runs at full speed; dropped at commit.
CREATE TEMP TABLE comments_staging (LIKE vk.comments INCLUDING DEFAULTS) ON COMMIT DROP;
