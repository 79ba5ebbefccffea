-- Indexes for reading comments and posts at scale: search newest first, keyset pages of every
-- listing, exact hashtags and mentions. sql/README.md shows the plan each one gives.
-- Keyset order of comments across groups is (published_at, group_id, comment_id): a comment id
-- is unique within its group's wall only.

-- Search across all groups, newest first: walking this index backwards in time and checking
-- each row against the query stops after a page of matches when a word is common, where the
-- GIN index would hand over every match to be sorted. Deleted comments have no text: never found.
CREATE INDEX comments_time_idx ON vk.comments (published_at DESC, group_id DESC, comment_id DESC)
    WHERE NOT is_deleted;

-- A post's comments in thread order: each top-level comment followed by its replies. The post's
-- time is in the key, though constant within a post, so that every condition of the listing is
-- an index condition: the planner then sees how few rows a page reads, instead of estimating
-- the post's time separately and preferring to sort the whole post.
CREATE INDEX comments_thread_order_idx ON vk.comments
    (group_id, post_id, post_published_at, (COALESCE(thread_root_id, comment_id)), comment_id);

-- Search by author, newest first.
CREATE INDEX comments_author_time_idx ON vk.comments (from_id, published_at DESC)
    WHERE NOT is_deleted;

-- Exact #hashtags and @mentions. Most comments have neither: the partial indexes skip them.
CREATE INDEX comments_hashtags_idx ON vk.comments USING gin (hashtags) WHERE hashtags <> '{}';
CREATE INDEX comments_mentions_idx ON vk.comments USING gin (mentions) WHERE mentions <> '{}';

-- A group's posts by engagement (likes + reposts + comments), keyset-paged.
CREATE INDEX posts_group_engagement_idx
    ON vk.posts (group_id, (likes_count + reposts_count + comments_count) DESC, post_id DESC);
