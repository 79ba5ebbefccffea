"""Analytics over the collected walls, for people: each asset reads the database for a period,
and its materialization shows the result in the Dagster UI as markdown tables and, where a
picture says more than a table, a chart (PNG drawn with matplotlib, embedded in the markdown).

Engagement follows what VK analytics services use (docs: shared/reference/vk-api.md):
ER post = (likes + reposts + comments) / members × 100, ER view = the same / views × 100,
ER day = reactions to a day's posts / members × 100. Days and hours are those of
VK_PARTITIONS_TIMEZONE, as for the loaders. The SQL is in sql/queries/analytics_*.sql; the
groupings that only rearrange per-post rows (heat map, content types, text lengths, top posts)
are done here with pandas, so ER is defined in one place.
"""


import base64
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

import pandas as pd
from dagster import AssetKey, Config, MaterializeResult, MetadataValue, asset
from matplotlib.figure import Figure
from pydantic import Field

from assets.partitions import PARTITIONS_TIMEZONE
from resources.database import PostgresResource

POSTS, COMMENTS, GROUPS = AssetKey("posts"), AssetKey("comments"), AssetKey("groups")
# What every analytics asset shares: where the UI shows it and who answers for it.
ANALYTICS = dict(group_name="analytics", owners=["team:data-engineering"])
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Text length buckets: (label, the longest text in the bucket).
TEXT_LENGTHS = (("no text", 0), ("1-100", 100), ("101-500", 500), ("501-1000", 1000),
                ("over 1000", None))
# A markdown table longer than this is cut: the UI is for reading, the database for everything.
MAX_TABLE_ROWS = 60
# Groups drawn in one line chart before it turns into noise.
MAX_CHART_GROUPS = 8


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
        start, end = self.window()
        return {"start": start, "end": end, "timezone": PARTITIONS_TIMEZONE, "top": self.top}

    def label(self) -> str:
        start, end = self.window()
        return f"{start:%Y-%m-%d} .. {end - timedelta(days=1):%Y-%m-%d} ({PARTITIONS_TIMEZONE})"


# ---------------------------------------------------------------------------- computations

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


def posting_heatmap(posts: pd.DataFrame) -> pd.DataFrame:
    """Average ER post by weekday (rows, Mon..Sun) and hour (columns, 0..23); NaN where no
    post was published."""
    grid = posts.assign(weekday=posts["local_time"].dt.weekday, hour=posts["local_time"].dt.hour)
    table = grid.pivot_table(index="weekday", columns="hour", values="er_post", aggfunc="mean")
    return table.reindex(index=range(7), columns=range(24))


def content_types(posts: pd.DataFrame) -> pd.Series:
    """Each post's content types: its attachment types; a post without attachments is a
    'repost' or 'text'. A post with a photo and a video counts for both."""
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
    ranked = posts.dropna(subset=["er_post"])
    return ranked.sort_values(["er_post", "reactions", "published_at"],
                              ascending=[False, False, False]).head(top)


def _text_length_bucket(length: int) -> str:
    return next(label for label, longest in TEXT_LENGTHS if longest is None or length <= longest)


def _er_summary(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[by, "posts", "avg_er_post", "avg_er_view"])
    summary = frame.groupby(by).agg(posts=("post_id", "size"), avg_er_post=("er_post", "mean"),
                                    avg_er_view=("er_view", "mean")).reset_index()
    return summary.sort_values(["avg_er_post", by], ascending=[False, True])


# ------------------------------------------------------------------------------ rendering

def markdown_table(frame: pd.DataFrame, columns: dict[str, str],
                   formats: dict[str, str] | None = None, empty: str = "nothing in the period") -> str:
    """A markdown table of `columns` (name in the frame -> header). Cut at MAX_TABLE_ROWS rows
    with a note saying how many more there are."""
    if frame.empty:
        return f"_{empty}_"
    formats = formats or {}
    lines = ["| " + " | ".join(columns.values()) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for _, row in frame.head(MAX_TABLE_ROWS).iterrows():
        cells = [_cell(row[name], formats.get(name)) for name in columns]
        lines.append("| " + " | ".join(cells) + " |")
    if len(frame) > MAX_TABLE_ROWS:
        lines.append(f"\n_{len(frame) - MAX_TABLE_ROWS} more rows not shown_")
    return "\n".join(lines)


def _cell(value, fmt: str | None) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, datetime):  # pandas Timestamps too
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(PARTITIONS_TIMEZONE))
        value = value.strftime("%Y-%m-%d %H:%M")
    text = format(value, fmt) if fmt else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def chart(title: str, draw: Callable[[Figure], None], size=(9, 4.5)) -> str:
    """A matplotlib figure as a markdown image (base64 PNG), which the Dagster UI shows inline.
    Figure objects are used directly, without pyplot: no global state, no display backend."""
    figure = Figure(figsize=size, dpi=100, layout="constrained")
    draw(figure)
    figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"![{title}](data:image/png;base64,{encoded})"


def _bar_chart(title: str, labels, values, xlabel: str) -> str:
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        axes.barh([str(label) for label in labels][::-1], list(values)[::-1], color="#4a76a8")
        axes.set_xlabel(xlabel)
    return chart(title, draw, size=(9, max(2.5, 0.35 * len(labels) + 1)))


def _mean(series: pd.Series) -> float | None:
    value = series.mean()
    return None if pd.isna(value) else float(value)


def _float_metadata(value: float | None):
    return MetadataValue.float(value) if value is not None else MetadataValue.text("–")


ER_FORMATS = {"er_post": ".2f", "er_view": ".2f", "avg_er_post": ".2f", "avg_er_view": ".2f"}


# ---------------------------------------------------------------------------------- assets

@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="Engagement of every post of the period: ER post, ER view, text length, "
       "hashtags, attachment types; averages per community and the spread of ER post.")
def post_engagement(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    posts = post_frame(database, config)
    by_group = (posts.groupby(["group_id", "group_name"])
                .agg(posts=("post_id", "size"), reactions=("reactions", "sum"),
                     avg_er_post=("er_post", "mean"), avg_er_view=("er_view", "mean"))
                .reset_index().sort_values("avg_er_post", ascending=False)
                if not posts.empty else posts)
    newest = posts.sort_values("published_at", ascending=False)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "posts": MetadataValue.int(len(posts)),
        "avg_er_post": _float_metadata(_mean(posts["er_post"])),
        "avg_er_view": _float_metadata(_mean(posts["er_view"])),
        "by_community": MetadataValue.md(markdown_table(by_group, {
            "group_name": "community", "group_id": "id", "posts": "posts",
            "reactions": "reactions", "avg_er_post": "avg ER post, %",
            "avg_er_view": "avg ER view, %"}, ER_FORMATS)),
        "posts_table": MetadataValue.md(markdown_table(newest, {
            "local_time": "published", "group_name": "community", "post_id": "post",
            "reactions": "reactions", "members_count": "members", "views_count": "views",
            "er_post": "ER post, %", "er_view": "ER view, %", "text_length": "text length",
            "hashtags": "hashtags", "attachment_types": "attachments"}, ER_FORMATS)),
    }
    if not posts.empty:
        def draw(figure: Figure) -> None:
            axes = figure.add_subplot()
            axes.hist(posts["er_post"].dropna(), bins=30, color="#4a76a8")
            axes.set_xlabel("ER post, %")
            axes.set_ylabel("posts")
        metadata["er_post_distribution"] = MetadataValue.md(chart("ER post of the period's posts", draw))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[POSTS, COMMENTS, GROUPS], kinds={"postgres"},
       description="Per community and day: posts, comments, reactions, members and their growth "
       "(from the daily snapshots), ER day with its 7- and 28-day rolling averages.")
def community_days(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    days = pd.DataFrame(database.fetch_all("analytics_group_days", config.params()), columns=[
        "group_id", "group_name", "day", "posts", "comments", "reactions", "members",
        "members_growth", "er_day", "er_day_avg_7", "er_day_avg_28"])
    summary = _community_summary(days)
    metadata = {
        "period": MetadataValue.text(config.label()),
        "communities": MetadataValue.int(days["group_id"].nunique()),
        "summary": MetadataValue.md(markdown_table(summary, {
            "group_name": "community", "posts": "posts", "comments": "comments",
            "reactions": "reactions", "members": "members (last day)",
            "members_growth": "growth", "er_day": "avg ER day, %",
            "er_day_avg_7": "last 7-day avg, %", "er_day_avg_28": "last 28-day avg, %"},
            {"er_day": ".3f", "er_day_avg_7": ".3f", "er_day_avg_28": ".3f"})),
        "days": MetadataValue.md(markdown_table(days.sort_values(["day", "group_id"], ascending=[False, True]), {
            "day": "day", "group_name": "community", "posts": "posts", "comments": "comments",
            "reactions": "reactions", "members": "members", "members_growth": "growth",
            "er_day": "ER day, %", "er_day_avg_7": "7-day avg", "er_day_avg_28": "28-day avg"},
            {"er_day": ".3f", "er_day_avg_7": ".3f", "er_day_avg_28": ".3f"})),
    }
    if not days.empty:
        shown = summary.head(MAX_CHART_GROUPS)["group_id"]

        def draw(figure: Figure) -> None:
            er, audience = figure.subplots(2, 1, sharex=True)
            for group_id, group in days[days["group_id"].isin(shown)].groupby("group_id"):
                name = group["group_name"].iloc[0]
                er.plot(group["day"], group["er_day_avg_7"], label=name)
                audience.plot(group["day"], group["members"], label=name)
            er.set_ylabel("ER day, 7-day avg, %")
            audience.set_ylabel("members")
            er.legend(fontsize="small")
            figure.autofmt_xdate()
        metadata["trend"] = MetadataValue.md(chart("ER day (7-day average) and audience", draw, size=(10, 6)))
    return MaterializeResult(metadata=metadata)


def _community_summary(days: pd.DataFrame) -> pd.DataFrame:
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


@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="When to post: average ER post by weekday and hour of publication.")
def posting_time_heatmap(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    posts = post_frame(database, config)
    grid = posting_heatmap(posts)
    table = grid.copy()
    table.index = list(WEEKDAYS)
    table = table.reset_index().rename(columns={"index": "day"})
    columns = {"day": "day", **{hour: f"{hour:02d}" for hour in range(24)}}
    metadata = {
        "period": MetadataValue.text(config.label()),
        "posts": MetadataValue.int(len(posts)),
        "avg_er_post_by_weekday_and_hour": MetadataValue.md(markdown_table(
            table if not posts.empty else posts, columns, {hour: ".1f" for hour in range(24)})),
    }
    if not posts.empty:
        best = grid.stack().idxmax()
        metadata["best_time"] = MetadataValue.text(f"{WEEKDAYS[best[0]]} {best[1]:02d}:00")

        def draw(figure: Figure) -> None:
            axes = figure.add_subplot()
            image = axes.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="YlOrRd")
            axes.set_yticks(range(7), WEEKDAYS)
            axes.set_xticks(range(24), [f"{hour:02d}" for hour in range(24)], fontsize="small")
            axes.set_xlabel(f"hour ({PARTITIONS_TIMEZONE})")
            figure.colorbar(image, ax=axes, label="average ER post, %")
        metadata["heatmap"] = MetadataValue.md(chart("Average ER post by posting time", draw, size=(11, 4)))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[POSTS, GROUPS], kinds={"postgres", "pandas"},
       description="The period's posts with the highest ER post.")
def top_posts_of_period(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    best = top_posts(post_frame(database, config), config.top)
    best = best.assign(link=[f"https://vk.com/wall-{g}_{p}" for g, p in zip(best["group_id"], best["post_id"])])
    metadata = {
        "period": MetadataValue.text(config.label()),
        "top_posts": MetadataValue.md(markdown_table(best, {
            "er_post": "ER post, %", "er_view": "ER view, %", "reactions": "reactions",
            "members_count": "members", "group_name": "community", "local_time": "published",
            "link": "post"}, ER_FORMATS)),
    }
    if not best.empty:
        metadata["chart"] = MetadataValue.md(_bar_chart(
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
        "by_content_type": MetadataValue.md(markdown_table(by_type, {
            "content_type": "content type", "posts": "posts", "avg_er_post": "avg ER post, %",
            "avg_er_view": "avg ER view, %"}, ER_FORMATS)),
        "by_text_length": MetadataValue.md(markdown_table(by_length, {
            "text_length_bucket": "text length (characters)", "posts": "posts",
            "avg_er_post": "avg ER post, %", "avg_er_view": "avg ER view, %"}, ER_FORMATS)),
    }
    if not posts.empty:
        def draw(figure: Figure) -> None:
            types, lengths = figure.subplots(1, 2)
            types.bar(by_type["content_type"].astype(str), by_type["avg_er_post"], color="#4a76a8")
            types.set_title("by content type", fontsize="medium")
            types.set_ylabel("average ER post, %")
            types.tick_params(axis="x", labelrotation=45)
            lengths.bar(by_length["text_length_bucket"], by_length["avg_er_post"], color="#7aa35a")
            lengths.set_title("by text length", fontsize="medium")
            lengths.tick_params(axis="x", labelrotation=45)
        metadata["chart"] = MetadataValue.md(chart("Average ER post by content", draw, size=(11, 4.5)))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[COMMENTS], kinds={"postgres"},
       description="The period's most active commenters: comments, posts and communities they "
       "commented on, likes their comments got.")
def top_commenters(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    people = pd.DataFrame(database.fetch_all("analytics_top_commenters", config.params()), columns=[
        "from_id", "comments", "posts", "communities", "likes_received", "last_comment_at"])
    people["author"] = [f"https://vk.com/{'club' if author < 0 else 'id'}{abs(author)}"
                        for author in people["from_id"]]
    metadata = {
        "period": MetadataValue.text(config.label()),
        "top_commenters": MetadataValue.md(markdown_table(people, {
            "author": "author", "comments": "comments", "posts": "posts",
            "communities": "communities", "likes_received": "likes received",
            "last_comment_at": "last comment"})),
    }
    if not people.empty:
        metadata["chart"] = MetadataValue.md(_bar_chart(
            "Most active commenters", people["from_id"], people["comments"], "comments"))
    return MaterializeResult(metadata=metadata)


@asset(**ANALYTICS, deps=[COMMENTS], kinds={"postgres"},
       description="The words (stemmed) and hashtags used in most of the period's comments.")
def comment_terms(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    terms = pd.DataFrame(database.fetch_all("analytics_comment_terms", config.params()),
                         columns=["kind", "term", "comments"])
    words, tags = terms[terms["kind"] == "word"], terms[terms["kind"] == "hashtag"]
    columns = {"term": "term", "comments": "comments"}
    metadata = {
        "period": MetadataValue.text(config.label()),
        "top_words": MetadataValue.md(markdown_table(words, {**columns, "term": "word (stem)"})),
        "top_hashtags": MetadataValue.md(markdown_table(tags, {**columns, "term": "hashtag"})),
    }
    if not terms.empty:
        def draw(figure: Figure) -> None:
            for axes, part, title in zip(figure.subplots(1, 2), (words, tags), ("words", "hashtags")):
                axes.barh(part["term"].tolist()[::-1], part["comments"].tolist()[::-1], color="#4a76a8")
                axes.set_title(title, fontsize="medium")
                axes.set_xlabel("comments")
        metadata["chart"] = MetadataValue.md(chart("Top words and hashtags of the comments", draw,
                                                   size=(11, max(3, 0.3 * config.top + 1))))
    return MaterializeResult(metadata=metadata)
