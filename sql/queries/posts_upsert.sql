-- Set-based merge of the staged posts. A row is rewritten only when VK's data changed, so a
-- second load of the same day leaves the table exactly as it was (updated_at included).
WITH staged AS (
    -- Offsets drift while a wall is read: the same post may have been staged twice.
    SELECT DISTINCT ON (group_id, post_id) *
    FROM posts_staging
    ORDER BY group_id, post_id
),
upserted AS (
    INSERT INTO vk.posts AS p (
        group_id, post_id, published_at, from_id, signer_id, post_type, text, comments_count,
        likes_count, reposts_count, views_count, is_pinned, is_ad, is_repost, attachment_types,
        hashtags, mentions, links, raw)
    SELECT group_id, post_id, published_at, from_id, signer_id, post_type, text, comments_count,
           likes_count, reposts_count, views_count, is_pinned, is_ad, is_repost, attachment_types,
           hashtags, mentions, links, raw
    FROM staged
    ON CONFLICT (group_id, post_id) DO UPDATE SET
        published_at = EXCLUDED.published_at,
        from_id = EXCLUDED.from_id,
        signer_id = EXCLUDED.signer_id,
        post_type = EXCLUDED.post_type,
        text = EXCLUDED.text,
        comments_count = EXCLUDED.comments_count,
        likes_count = EXCLUDED.likes_count,
        reposts_count = EXCLUDED.reposts_count,
        views_count = EXCLUDED.views_count,
        is_pinned = EXCLUDED.is_pinned,
        is_ad = EXCLUDED.is_ad,
        is_repost = EXCLUDED.is_repost,
        attachment_types = EXCLUDED.attachment_types,
        hashtags = EXCLUDED.hashtags,
        mentions = EXCLUDED.mentions,
        links = EXCLUDED.links,
        raw = EXCLUDED.raw,
        is_deleted_on_vk = false,
        deleted_seen_at = NULL
    WHERE p.raw IS DISTINCT FROM EXCLUDED.raw OR p.is_deleted_on_vk
    -- created_at defaults to the transaction time: equal to now() only for rows this merge inserted.
    RETURNING (created_at = now()) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)     AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated,
       (SELECT count(*) FROM staged)        AS staged
FROM upserted;
