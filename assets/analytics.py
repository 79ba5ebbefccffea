"""Analytics over the collected walls, for people: each asset reads the database for a period,
and its materialization shows the result in the Dagster UI as markdown tables and, where a
picture says more than a table, a chart. The same result is written to the asset's table in
schema `analytics` (assets/reporting/tables.py), for SQL, BI tools and `python -m query`.

What the numbers mean and how they are read is in assets/reporting/frames.py; how tables and
charts are drawn, in assets/reporting/rendering.py.
"""


import pandas as pd
from dagster import AssetKey, AutomationCondition, MaterializeResult, MetadataValue, asset

from assets.reporting.frames import (
    WEEKDAYS,
    AnalyticsPeriod,
    best_posting_time,
    commenter_frame,
    comment_term_frame,
    community_day_frame,
    community_summary,
    er_by_community,
    er_by_content,
    er_by_content_type,
    er_by_text_length,
    heatmap_by_day_name,
    post_frame,
    posting_heatmap,
    posting_times,
    top_posts,
)
from assets.partitions import PARTITIONS_TIMEZONE
from assets.reporting.rendering import (
    bar_chart,
    community_trend,
    frame_table,
    heatmap,
    histogram,
    paired_bars,
    paired_columns,
)
from assets.reporting.tables import replace_period
from resources.database import PostgresResource

POSTS, COMMENTS, GROUPS = AssetKey("posts"), AssetKey("comments"), AssetKey("groups")
# What every analytics asset shares: where the UI shows it and who answers for it.
# They refresh on their own once the loads they read have stored something new (Dagster's
# declarative automation, evaluated by the daemon's default automation sensor). Not `eager()`:
# it waits while any day partition upstream is missing, and most days of a history always are.
REFRESH_AFTER_LOADS = (AutomationCondition.any_deps_updated()
                       & ~AutomationCondition.any_deps_in_progress()
                       & ~AutomationCondition.in_progress()).with_label("refresh after loads")
ANALYTICS = dict(group_name="analytics", owners=["team:data-engineering"],
                 automation_condition=REFRESH_AFTER_LOADS)
# Groups drawn in one line chart before it turns into noise.
MAX_CHART_GROUPS = 8
ER_FORMATS = {"er_post": ".2f", "er_view": ".2f", "avg_er_post": ".2f", "avg_er_view": ".2f"}
POST_ENGAGEMENT_COLUMNS = ["group_id", "post_id", "published_at", "day", "likes_count", "reposts_count",
                           "comments_count", "views_count", "reactions", "members_count", "er_post",
                           "er_view", "text_length"]
COMMUNITY_DAY_COLUMNS = ["group_id", "day", "posts", "comments", "reactions", "members",
                         "members_growth", "er_day", "er_day_avg_7", "er_day_avg_28"]
ER_DAY_FORMATS = {"er_day": ".3f", "er_day_avg_7": ".3f", "er_day_avg_28": ".3f"}
# The columns of the tables keyed by period (migration 0015), besides the period itself.
POSTING_TIME_COLUMNS = ["group_id", "weekday", "hour", "posts", "avg_er_post"]
TOP_POST_COLUMNS = ["rank", "group_id", "post_id", "published_at", "reactions", "members_count",
                    "er_post", "er_view"]
CONTENT_COLUMNS = ["dimension", "bucket", "posts", "avg_er_post", "avg_er_view"]
COMMENTER_COLUMNS = ["from_id", "comments", "posts", "communities", "likes_received",
                     "last_comment_at"]
TERM_COLUMNS = ["kind", "term", "comments"]


def _stored(database: PostgresResource, table: str, frame: pd.DataFrame, columns: list[str],
            config: AnalyticsPeriod, *, keyed_by_period: bool = True) -> MetadataValue:
    """The period's answer written to its table (replacing an earlier run's), as the asset page
    says it."""
    stored = replace_period(database, table, frame, columns, config.params(),
                            keyed_by_period=keyed_by_period)
    return MetadataValue.text(f"analytics.{table} ({stored} rows of the period)")


def _average(values: pd.Series) -> MetadataValue:
    mean = values.mean()
    return MetadataValue.text("–") if pd.isna(mean) else MetadataValue.float(float(mean))


@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="Engagement of every post of the period: ER post, ER view, text length, "
       "hashtags, attachment types; averages per community and the spread of ER post.")
def post_engagement(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    posts = post_frame(database, config)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "posts": MetadataValue.int(len(posts)),
        "table": _stored(database, "post_engagement", posts.assign(day=posts["local_time"].dt.date),
                         POST_ENGAGEMENT_COLUMNS, config, keyed_by_period=False),
        "avg_er_post": _average(posts["er_post"]),
        "avg_er_view": _average(posts["er_view"]),
        "by_community": MetadataValue.md(frame_table(er_by_community(posts), {
            "group_name": "community", "group_id": "id", "posts": "posts",
            "reactions": "reactions", "avg_er_post": "avg ER post, %",
            "avg_er_view": "avg ER view, %"}, ER_FORMATS)),
        "posts_table": MetadataValue.md(frame_table(posts.sort_values("published_at", ascending=False), {
            "local_time": "published", "group_name": "community", "post_id": "post",
            "reactions": "reactions", "members_count": "members", "views_count": "views",
            "er_post": "ER post, %", "er_view": "ER view, %", "text_length": "text length",
            "hashtags": "hashtags", "attachment_types": "attachments"}, ER_FORMATS)),
    }
    if not posts.empty:
        metadata["er_post_distribution"] = MetadataValue.md(histogram(
            "ER post of the period's posts", posts["er_post"].dropna(), "ER post, %", "posts"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[POSTS, COMMENTS, GROUPS], kinds={"postgres"},
       description="Per community and day: posts, comments, reactions, members and their growth "
       "(from the daily snapshots), ER day with its 7- and 28-day rolling averages.")
def community_days(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    days = community_day_frame(database, config)
    summary = community_summary(days)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "table": _stored(database, "community_days", days, COMMUNITY_DAY_COLUMNS, config,
                         keyed_by_period=False),
        "communities": MetadataValue.int(days["group_id"].nunique()),
        "summary": MetadataValue.md(frame_table(summary, {
            "group_name": "community", "posts": "posts", "comments": "comments",
            "reactions": "reactions", "members": "members (last day)",
            "members_growth": "growth", "er_day": "avg ER day, %",
            "er_day_avg_7": "last 7-day avg, %", "er_day_avg_28": "last 28-day avg, %"},
            ER_DAY_FORMATS)),
        "days": MetadataValue.md(frame_table(days.sort_values(["day", "group_id"], ascending=[False, True]), {
            "day": "day", "group_name": "community", "posts": "posts", "comments": "comments",
            "reactions": "reactions", "members": "members", "members_growth": "growth",
            "er_day": "ER day, %", "er_day_avg_7": "7-day avg", "er_day_avg_28": "28-day avg"},
            ER_DAY_FORMATS)),
    }
    if not days.empty:
        busiest = days[days["group_id"].isin(summary.head(MAX_CHART_GROUPS)["group_id"])]
        metadata["trend"] = MetadataValue.md(community_trend(
            "ER day (7-day average) and audience", busiest, "ER day, 7-day avg, %"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="When to post: average ER post by weekday and hour of publication.")
def posting_time_heatmap(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    posts = post_frame(database, config)
    grid = posting_heatmap(posts)
    columns = {"day": "day", **{hour: f"{hour:02d}" for hour in range(24)}}
    metadata = {
        "period": MetadataValue.text(config.label()),
        "posts": MetadataValue.int(len(posts)),
        "table": _stored(database, "posting_time_heatmap", posting_times(posts),
                         POSTING_TIME_COLUMNS, config),
        "avg_er_post_by_weekday_and_hour": MetadataValue.md(frame_table(
            heatmap_by_day_name(grid) if not posts.empty else posts, columns,
            {hour: ".1f" for hour in range(24)})),
    }
    if not posts.empty:
        metadata["best_time"] = MetadataValue.text(best_posting_time(grid))
        metadata["heatmap"] = MetadataValue.md(heatmap(
            "Average ER post by posting time", grid, WEEKDAYS, f"hour ({PARTITIONS_TIMEZONE})",
            "average ER post, %"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="The period's posts with the highest ER post.")
def top_posts_of_period(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    best = top_posts(post_frame(database, config), config.top)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "table": _stored(database, "top_posts_of_period", best, TOP_POST_COLUMNS, config),
        "top_posts": MetadataValue.md(frame_table(best, {
            "er_post": "ER post, %", "er_view": "ER view, %", "reactions": "reactions",
            "members_count": "members", "group_name": "community", "local_time": "published",
            "link": "post"}, ER_FORMATS)),
    }
    if not best.empty:
        metadata["chart"] = MetadataValue.md(bar_chart(
            "Top posts by ER post", [f"{name} / {post}" for name, post in
                                     zip(best["group_name"], best["post_id"])],
            best["er_post"], "ER post, %"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="What engages: average ER post and ER view by content type (attachment "
       "types, text, repost) and by text length.")
def engagement_by_content(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    posts = post_frame(database, config)
    by_type, by_length = er_by_content_type(posts), er_by_text_length(posts)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "table": _stored(database, "engagement_by_content", er_by_content(by_type, by_length),
                         CONTENT_COLUMNS, config),
        "by_content_type": MetadataValue.md(frame_table(by_type, {
            "content_type": "content type", "posts": "posts", "avg_er_post": "avg ER post, %",
            "avg_er_view": "avg ER view, %"}, ER_FORMATS)),
        "by_text_length": MetadataValue.md(frame_table(by_length, {
            "text_length_bucket": "text length (characters)", "posts": "posts",
            "avg_er_post": "avg ER post, %", "avg_er_view": "avg ER view, %"}, ER_FORMATS)),
    }
    if not posts.empty:
        metadata["chart"] = MetadataValue.md(paired_columns(
            "Average ER post by content",
            ("by content type", by_type["content_type"].astype(str), by_type["avg_er_post"]),
            ("by text length", by_length["text_length_bucket"], by_length["avg_er_post"]),
            "average ER post, %"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[COMMENTS], kinds={"postgres"},
       description="The period's most active commenters: comments, posts and communities they "
       "commented on, likes their comments got.")
def top_commenters(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    people = commenter_frame(database, config)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "table": _stored(database, "top_commenters", people, COMMENTER_COLUMNS, config),
        "top_commenters": MetadataValue.md(frame_table(people, {
            "author": "author", "comments": "comments", "posts": "posts",
            "communities": "communities", "likes_received": "likes received",
            "last_comment_at": "last comment"})),
    }
    if not people.empty:
        metadata["chart"] = MetadataValue.md(bar_chart(
            "Most active commenters", people["from_id"], people["comments"], "comments"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[COMMENTS], kinds={"postgres"},
       description="The words (stemmed) and hashtags used in most of the period's comments.")
def comment_terms(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    terms = comment_term_frame(database, config)
    words, tags = terms[terms["kind"] == "word"], terms[terms["kind"] == "hashtag"]
    columns = {"term": "term", "comments": "comments"}
    metadata = {
        "period": MetadataValue.text(config.label()),
        "table": _stored(database, "comment_terms", terms, TERM_COLUMNS, config),
        "top_words": MetadataValue.md(frame_table(words, {**columns, "term": "word (stem)"})),
        "top_hashtags": MetadataValue.md(frame_table(tags, {**columns, "term": "hashtag"})),
    }
    if not terms.empty:
        metadata["chart"] = MetadataValue.md(paired_bars(
            "Top words and hashtags of the comments",
            ("words", words["term"].tolist(), words["comments"].tolist()),
            ("hashtags", tags["term"].tolist(), tags["comments"].tolist()),
            "comments", height=max(3, 0.3 * config.top + 1)))
    return MaterializeResult(metadata=metadata)
