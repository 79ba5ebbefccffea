DROP INDEX vk.posts_group_engagement_idx;
DROP INDEX vk.comments_mentions_idx;
DROP INDEX vk.comments_hashtags_idx;
DROP INDEX vk.comments_author_time_idx;
DROP INDEX vk.comments_thread_order_idx;
DROP INDEX vk.comments_time_idx;
