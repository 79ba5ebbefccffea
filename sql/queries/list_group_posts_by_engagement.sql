-- A group's posts by engagement (likes + reposts + comments, the numerator of ER), one keyset
-- page along posts_group_engagement_idx. Engagement changes as counters are refreshed: a post
-- whose counters moved between two page loads may show twice or not at all; new posts never
-- disturb pages already read.
SELECT p.group_id, p.post_id, p.published_at, p.text, p.likes_count, p.reposts_count,
       p.comments_count, p.views_count,
       p.likes_count + p.reposts_count + p.comments_count AS engagement,
       p.attachment_types, p.hashtags, p.is_deleted_on_vk
FROM vk.posts AS p
WHERE p.group_id = %(group_id)s
  AND (p.likes_count + p.reposts_count + p.comments_count, p.post_id)
      < (%(after_engagement)s::integer, %(after_post_id)s::bigint)
ORDER BY p.likes_count + p.reposts_count + p.comments_count DESC, p.post_id DESC
LIMIT %(limit)s;
