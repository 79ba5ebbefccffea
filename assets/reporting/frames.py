"""The analytics' data: the period the assets are run for, and the pandas frames they show,
read with the SQL in sql/queries/analytics_*.sql.

Engagement follows what VK analytics services use (docs: shared/reference/vk-api.md):
ER post = (likes + reposts + comments) / members × 100, ER view = the same / views × 100,
ER day = reactions to a day's posts / members × 100. Days and hours are those of
VK_PARTITIONS_TIMEZONE, as for the loaders. The SQL computes ER per post and per day; the
groupings that only rearrange per-post rows (heat map, content types, text lengths, top posts)
are done here with pandas, so ER is defined in one place.
"""


from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

import pandas as pd
from dagster import Config
from pydantic import Field

from assets.partitions import PARTITIONS_TIMEZONE
from resources.database import PostgresResource

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Text length buckets: (label, the longest text in the bucket). The labels are also a CHECK of
# analytics.engagement_by_content (migration 0015): a new one needs a migration beside it.
TEXT_LENGTHS = (("no text", 0), ("1-100", 100), ("101-500", 500), ("501-1000", 1000),
                ("over 1000", None))


class AnalyticsPeriod(Config):
    days: int = Field(default=30, ge=1, le=3660, description="Length of the period in days.")
    until: Optional[str] = Field(
        default=None, description="Last day of the period (YYYY-MM-DD, days of "
        "VK_PARTITIONS_TIMEZONE); default: today.")
    top: int = Field(default=10, ge=1, le=500, description="Rows of the top-N tables.")

    def window(self) -> tuple[datetime, datetime]:
        """[start, end) of the period, local midnights."""
        zone = ZoneInfo(PARTITIONS_TIMEZONE)
        last = date.fromisoformat(self.until) if self.until else datetime.now(zone).date()
        end = datetime.combine(last + timedelta(days=1), time(), zone)
        return end - timedelta(days=self.days), end

    def params(self) -> dict:
        """The SQL's parameters: [start, end) as instants, and as the first and last day
        (`period_start`, `period_end`, both included) that key the analytics tables' periods."""
        start, end = self.window()
        return {"start": start, "end": end, "timezone": PARTITIONS_TIMEZONE, "top": self.top,
                "period_start": start.date(), "period_end": (end - timedelta(days=1)).date()}

    def label(self) -> str:
        start, end = self.window()
        return f"{start:%Y-%m-%d} .. {end - timedelta(days=1):%Y-%m-%d} ({PARTITIONS_TIMEZONE})"


# ------------------------------------------------------------------------------ posts

def post_frame(database: PostgresResource, period: AnalyticsPeriod) -> pd.DataFrame:
    rows = database.fetch_all("analytics_post_engagement", period.params())
    frame = pd.DataFrame(rows, columns=[
        "group_id", "group_name", "post_id", "published_at", "local_time", "likes_count",
        "reposts_count", "comments_count", "views_count", "reactions", "members_count",
        "er_post", "er_view", "text_length", "hashtags", "attachment_types", "is_repost"])
    for column in ("er_post", "er_view"):
        frame[column] = frame[column].astype("float64")
    frame["local_time"] = pd.to_datetime(frame["local_time"])
    return frame


def er_by_community(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts, reactions and average ERs per community; the most engaging first."""
    if posts.empty:
        return posts
    return (posts.groupby(["group_id", "group_name"])
            .agg(posts=("post_id", "size"), reactions=("reactions", "sum"),
                 avg_er_post=("er_post", "mean"), avg_er_view=("er_view", "mean"))
            .reset_index().sort_values("avg_er_post", ascending=False))


def posting_heatmap(posts: pd.DataFrame) -> pd.DataFrame:
    """Average ER post by weekday (rows, Mon..Sun) and hour (columns, 0..23); NaN where no
    post was published."""
    table = _posting_time(posts).pivot_table(index="weekday", columns="hour", values="er_post",
                                             aggfunc="mean")
    return table.reindex(index=range(7), columns=range(24))


def posting_times(posts: pd.DataFrame) -> pd.DataFrame:
    """The heat map's cells community by community: per group_id, weekday (0 is Monday) and
    hour, the posts published then and their average ER post."""
    return (_posting_time(posts).groupby(["group_id", "weekday", "hour"])
            .agg(posts=("post_id", "size"), avg_er_post=("er_post", "mean")).reset_index())


def _posting_time(posts: pd.DataFrame) -> pd.DataFrame:
    return posts.assign(weekday=posts["local_time"].dt.weekday, hour=posts["local_time"].dt.hour)


def heatmap_by_day_name(grid: pd.DataFrame) -> pd.DataFrame:
    """The heat map with its weekdays as a leading `day` column of names, for a table."""
    table = grid.copy()
    table.index = list(WEEKDAYS)
    return table.reset_index().rename(columns={"index": "day"})


def best_posting_time(grid: pd.DataFrame) -> str:
    """The weekday and hour of the heat map's highest average ER post, e.g. 'Tue 15:00'."""
    weekday, hour = grid.stack().idxmax()
    return f"{WEEKDAYS[weekday]} {hour:02d}:00"


def content_types(posts: pd.DataFrame) -> pd.Series:
    """Each post's content types: its attachment types; a post without attachments is a
    'repost' or 'text'. A post with a photo and a video counts for both."""
    if posts.empty:  # apply over no rows returns a frame, not a series
        return pd.Series([], index=posts.index, dtype=object)
    return posts.apply(lambda post: list(post["attachment_types"])
                       or ["repost" if post["is_repost"] else "text"], axis=1)


def er_by_content_type(posts: pd.DataFrame) -> pd.DataFrame:
    exploded = posts.assign(content_type=content_types(posts)).explode("content_type")
    return _er_summary(exploded, "content_type")


def er_by_text_length(posts: pd.DataFrame) -> pd.DataFrame:
    labels = posts["text_length"].map(_text_length_bucket)
    summary = _er_summary(posts.assign(text_length_bucket=labels), "text_length_bucket")
    order = [label for label, _ in TEXT_LENGTHS]
    return summary.sort_values("text_length_bucket", key=lambda s: s.map(order.index))


def top_posts(posts: pd.DataFrame, top: int) -> pd.DataFrame:
    """The `top` posts by ER post, each with its `rank` (1 the highest) and a `link` to it on VK."""
    ranked = posts.dropna(subset=["er_post"])
    best = ranked.sort_values(["er_post", "reactions", "published_at"],
                              ascending=[False, False, False]).head(top)
    return best.assign(rank=range(1, len(best) + 1),
                       link=[f"https://vk.com/wall-{g}_{p}"
                             for g, p in zip(best["group_id"], best["post_id"])])


def er_by_content(by_type: pd.DataFrame, by_length: pd.DataFrame) -> pd.DataFrame:
    """Both groupings in one frame, a row per `dimension` ('content_type' or 'text_length') and
    `bucket` (the type, or the length's label), as analytics.engagement_by_content keeps them."""
    return pd.concat([
        by_type.rename(columns={"content_type": "bucket"}).assign(dimension="content_type"),
        by_length.rename(columns={"text_length_bucket": "bucket"}).assign(dimension="text_length"),
    ], ignore_index=True)


def _text_length_bucket(length: int) -> str:
    return next(label for label, longest in TEXT_LENGTHS if longest is None or length <= longest)


def _er_summary(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[by, "posts", "avg_er_post", "avg_er_view"])
    summary = frame.groupby(by).agg(posts=("post_id", "size"), avg_er_post=("er_post", "mean"),
                                    avg_er_view=("er_view", "mean")).reset_index()
    return summary.sort_values(["avg_er_post", by], ascending=[False, True])


# ------------------------------------------------------------------------ communities

def community_day_frame(database: PostgresResource, period: AnalyticsPeriod) -> pd.DataFrame:
    return pd.DataFrame(database.fetch_all("analytics_group_days", period.params()), columns=[
        "group_id", "group_name", "day", "posts", "comments", "reactions", "members",
        "members_growth", "er_day", "er_day_avg_7", "er_day_avg_28"])


def community_summary(days: pd.DataFrame) -> pd.DataFrame:
    """Per community over the period: totals, the last day's audience and rolling averages,
    the average ER day; busiest communities first."""
    if days.empty:
        return days
    last = days.sort_values("day").groupby("group_id").tail(1).set_index("group_id")
    totals = days.groupby(["group_id", "group_name"]).agg(
        posts=("posts", "sum"), comments=("comments", "sum"), reactions=("reactions", "sum"),
        members_growth=("members_growth", lambda growth: pd.to_numeric(growth).sum(min_count=1)),
        er_day=("er_day", "mean")).reset_index()
    totals["members"] = totals["group_id"].map(last["members"])
    totals["er_day_avg_7"] = totals["group_id"].map(last["er_day_avg_7"])
    totals["er_day_avg_28"] = totals["group_id"].map(last["er_day_avg_28"])
    return totals.sort_values(["posts", "group_id"], ascending=[False, True])


# --------------------------------------------------------------------------- comments

def commenter_frame(database: PostgresResource, period: AnalyticsPeriod) -> pd.DataFrame:
    """The most active commenters, each with an `author` link to the person (or community)."""
    people = pd.DataFrame(database.fetch_all("analytics_top_commenters", period.params()), columns=[
        "from_id", "comments", "posts", "communities", "likes_received", "last_comment_at"])
    people["author"] = [f"https://vk.com/{'club' if author < 0 else 'id'}{abs(author)}"
                        for author in people["from_id"]]
    return people


def comment_term_frame(database: PostgresResource, period: AnalyticsPeriod) -> pd.DataFrame:
    """The top words (`kind` 'word', stemmed) and hashtags ('hashtag') of the comments."""
    return pd.DataFrame(database.fetch_all("analytics_comment_terms", period.params()),
                        columns=["kind", "term", "comments"])
