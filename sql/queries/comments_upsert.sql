-- Set-based merge of the staged comments; unchanged rows are not touched (idempotent reloads).
WITH upserted AS (
    INSERT INTO vk.comments AS c (
        group_id, comment_id, post_id, post_published_at, published_at, from_id, text,
        likes_count, reply_to_user, reply_to_comment, thread_root_id, thread_count, is_deleted,
        attachment_types, hashtags, mentions, raw)
    SELECT group_id, comment_id, post_id, post_published_at, published_at, from_id, text,
           likes_count, reply_to_user, reply_to_comment, thread_root_id, thread_count, is_deleted,
           attachment_types, hashtags, mentions, raw
    FROM comments_staging
    -- Rows are locked in key order, whatever order VK returned them in: two runs merging the
    -- same comments at once (a backfill and the nightly run over common days) then wait for
    -- each other, never on each other (tests/test_concurrent_loads.py).
    ORDER BY group_id, comment_id, post_published_at
    ON CONFLICT (group_id, comment_id, post_published_at) DO UPDATE SET
        published_at = EXCLUDED.published_at,
        from_id = EXCLUDED.from_id,
        text = EXCLUDED.text,
        likes_count = EXCLUDED.likes_count,
        reply_to_user = EXCLUDED.reply_to_user,
        reply_to_comment = EXCLUDED.reply_to_comment,
        thread_root_id = EXCLUDED.thread_root_id,
        thread_count = EXCLUDED.thread_count,
        is_deleted = EXCLUDED.is_deleted,
        attachment_types = EXCLUDED.attachment_types,
        hashtags = EXCLUDED.hashtags,
        mentions = EXCLUDED.mentions,
        raw = EXCLUDED.raw
    WHERE c.raw IS DISTINCT FROM EXCLUDED.raw
    -- created_at defaults to the transaction time: equal to now() only for rows this merge inserted.
    RETURNING (created_at = now()) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)     AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated,
       (SELECT count(*) FROM comments_staging) AS staged
FROM upserted;
