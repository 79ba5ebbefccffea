DROP TABLE analytics.comment_terms;
DROP TABLE analytics.top_commenters;
DROP TABLE analytics.engagement_by_content;
DROP TABLE analytics.top_posts_of_period;
DROP TABLE analytics.posting_time_heatmap;
