-- The most active commenters of a period (analytics_top_commenters.sql) read every comment of
-- the period for five narrow columns; from the heap that is a wide row each (text, raw, search
-- vector), from this index an index-only scan (sql/README.md has both plans). Partial on
-- `from_id IS NOT NULL` too, which that query states and no other does: a narrower index led by
-- published_at would otherwise lure the newest-first search off comments_time_idx, whose full
-- keyset order it needs (tests/test_query_plans_search.py).
--
-- Built the way sql/README.md's "Online migrations" says: CREATE INDEX on a partitioned table
-- cannot be CONCURRENTLY and would block every insert into vk.comments for the whole build.
-- First the parent's index, ON ONLY: catalog only, invalid until every partition has its own.
CREATE INDEX IF NOT EXISTS comments_commenters_idx ON ONLY vk.comments
    (published_at) INCLUDE (from_id, group_id, post_id, likes_count)
    WHERE NOT is_deleted AND from_id IS NOT NULL;

-- Then, per partition that has no index attached to it yet: a leftover of a build that failed
-- is dropped (CONCURRENTLY leaves an invalid index behind), the index built concurrently, then
-- attached; the parent's index turns valid with the last one. A partition made meanwhile by
-- vk.ensure_comment_partitions gets its index from the parent's and is not listed.
SELECT CASE WHEN old.oid IS NOT NULL AND NOT old_index.indisvalid
            THEN format('DROP INDEX CONCURRENTLY vk.%I', old.relname) END,
       CASE WHEN old.oid IS NULL OR NOT old_index.indisvalid
            THEN format('CREATE INDEX CONCURRENTLY %I ON vk.%I (published_at) '
                        'INCLUDE (from_id, group_id, post_id, likes_count) '
                        'WHERE NOT is_deleted AND from_id IS NOT NULL',
                        part.relname || '_commenters_idx', part.relname) END,
       format('ALTER INDEX vk.comments_commenters_idx ATTACH PARTITION vk.%I',
              part.relname || '_commenters_idx')
FROM pg_inherits AS i
JOIN pg_class AS part ON part.oid = i.inhrelid
LEFT JOIN pg_class AS old
       ON old.relname = part.relname || '_commenters_idx' AND old.relnamespace = 'vk'::regnamespace
LEFT JOIN pg_index AS old_index ON old_index.indexrelid = old.oid
WHERE i.inhparent = 'vk.comments'::regclass
  AND NOT EXISTS (
      SELECT FROM pg_inherits AS attached
      JOIN pg_index AS x ON x.indexrelid = attached.inhrelid
      WHERE attached.inhparent = 'vk.comments_commenters_idx'::regclass AND x.indrelid = part.oid)
ORDER BY part.relname;
