DROP TABLE analytics.community_days;
DROP TABLE analytics.post_engagement;
