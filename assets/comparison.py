"""Community comparison (the main screen of services like Popsters): the chosen communities
side by side over a period, on every figure that says how a community does (ER post, ER
view, posts per day, comments per post, members and their growth), with its best posting
time and content mix, a rank on each figure and an overall rank.

The figures are those of the other analytics (assets/reporting/frames.py: one definition of
ER); this module only puts them side by side. The overall rank is the mean of the figures'
ranks, so no single figure (audience size, say) decides it.
"""

import pandas as pd
from dagster import AssetKey, MaterializeResult, MetadataValue, asset
from pydantic import Field

from assets.group_files.references import InvalidGroupReference, parse_reference
from assets.reporting.frames import (
    AnalyticsPeriod,
    best_posting_time,
    community_day_frame,
    community_summary,
    content_types,
    post_frame,
    posting_heatmap,
)
from assets.reporting.panels import metric_panels
from assets.reporting.rendering import frame_table
from resources.database import PostgresResource

# The ranked figures: (column, title on the page and the chart); higher is better for each.
RANKED = (("avg_er_post", "avg ER post, %"), ("avg_er_view", "avg ER view, %"),
          ("posts_per_day", "posts per day"), ("comments_per_post", "comments per post"),
          ("members", "members (last day)"), ("growth_percent", "members growth, %"))
FORMATS = {"avg_er_post": ".2f", "avg_er_view": ".2f", "posts_per_day": ".2f",
           "comments_per_post": ".1f", "members": ".0f", "growth_percent": ".2f"}


class ComparisonPeriod(AnalyticsPeriod):
    communities: list[str] = Field(
        default_factory=list, description="The monitored communities to compare (VK ids, "
        "screen names or links); empty means every monitored one.")

    def group_ids(self, groups: pd.DataFrame) -> list[int]:
        """The chosen ones among `groups` (group_id, screen_name); ValueError naming any unknown."""
        if not self.communities:
            return list(groups["group_id"])
        try:
            keys = {text: parse_reference(text).key for text in self.communities}
        except InvalidGroupReference as error:
            raise ValueError(str(error)) from None
        known = {f"id:{row.group_id}": row.group_id for row in groups.itertuples()}
        known |= {f"name:{row.screen_name.lower()}": row.group_id
                  for row in groups.itertuples() if row.screen_name}
        unknown = [text for text, key in keys.items() if key not in known]
        if unknown:
            raise ValueError(f"not monitored: {', '.join(unknown)}")
        return sorted({known[key] for key in keys.values()})


def compare_communities(posts: pd.DataFrame, days: pd.DataFrame, group_ids: list[int],
                        period_days: int) -> pd.DataFrame:
    """One row per community of `group_ids` (with a row in `days`): its figures, `rank_<figure>`
    (1 is best; ties share the better rank; no figure ranks last) and `rank`; best first."""
    summary = community_summary(days)
    table = summary[summary["group_id"].isin(group_ids)][
        ["group_id", "group_name", "members", "members_growth"]].copy()
    posts = posts[posts["group_id"].isin(group_ids)]
    per_post = posts.groupby("group_id").agg(
        posts=("post_id", "size"), avg_er_post=("er_post", "mean"),
        avg_er_view=("er_view", "mean"), comments_per_post=("comments_count", "mean"))
    table = table.join(per_post, on="group_id")
    table["posts"] = table["posts"].fillna(0).astype(int)
    table["posts_per_day"] = table["posts"] / period_days
    growth = pd.to_numeric(table["members_growth"])
    table["growth_percent"] = 100.0 * growth / (table["members"] - growth).where(lambda m: m > 0)
    table["best_time"] = table["group_id"].map(
        lambda group_id: _best_time(posts[posts["group_id"] == group_id]))
    table["content_mix"] = table["group_id"].map(
        lambda group_id: _content_mix(posts[posts["group_id"] == group_id]))
    for column, _ in RANKED:
        table[column] = pd.to_numeric(table[column]).astype("float64")
        table[f"rank_{column}"] = table[column].rank(
            ascending=False, method="min", na_option="bottom").astype(int)
    table["mean_rank"] = table[[f"rank_{column}" for column, _ in RANKED]].mean(axis=1)
    table = table.sort_values(["mean_rank", "rank_avg_er_post", "group_id"])
    table["rank"] = table["mean_rank"].rank(method="min").astype(int)
    return table.reset_index(drop=True)


def _best_time(posts: pd.DataFrame) -> str | None:
    return best_posting_time(posting_heatmap(posts)) if posts["er_post"].notna().any() else None


def _content_mix(posts: pd.DataFrame) -> str:
    """Share of the posts of each content type, most common first ('photo 50%, text 50%'); a
    post with a photo and a video counts for both, so shares may add up to more than 100."""
    if posts.empty:
        return ""
    shares = content_types(posts).explode().value_counts() / len(posts) * 100
    ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{kind} {share:.0f}%" for kind, share in ordered)


def _ranked_cell(table: pd.DataFrame, column: str, fmt: str) -> list[str]:
    values = [("–" if pd.isna(value) else format(value, fmt)) for value in table[column]]
    return [f"{value} (#{rank})" for value, rank in zip(values, table[f"rank_{column}"])]


@asset(group_name="analytics", owners=["team:data-engineering"],
       deps=[AssetKey("posts"), AssetKey("groups")], kinds={"postgres", "pandas"},
       description="The chosen communities (default: every monitored one) side by side over "
       "the period: ER post, ER view, posts per day, comments per post, members and growth, "
       "best posting time, content mix; each figure's rank and an overall rank.")
def community_comparison(config: ComparisonPeriod, database: PostgresResource) -> MaterializeResult:
    days = community_day_frame(database, config)
    groups = pd.DataFrame(database.fetch_all("monitored_groups"),
                          columns=["group_id", "screen_name", "validation_status", "validation_reason"])
    table = compare_communities(post_frame(database, config), days, config.group_ids(groups),
                                config.days)
    shown = table.assign(**{column: _ranked_cell(table, column, FORMATS[column])
                            for column, _ in RANKED if not table.empty})
    metadata = {
        "period": MetadataValue.text(config.label()),
        "communities": MetadataValue.int(len(table)),
        "leader": MetadataValue.text(table["group_name"].iloc[0] if not table.empty else "–"),
        "comparison": MetadataValue.md(frame_table(shown, {
            "rank": "rank", "group_name": "community", "posts": "posts",
            **dict(RANKED), "best_time": "best posting time", "content_mix": "content mix",
            "mean_rank": "mean rank"}, {"mean_rank": ".2f"})),
    }
    if not table.empty:
        labels = [f"#{rank} {name}" for rank, name in zip(table["rank"], table["group_name"])]
        metadata["chart"] = MetadataValue.md(metric_panels(
            "Communities side by side (best overall on top)", labels,
            [(title, table[column].tolist()) for column, title in RANKED]))
    return MaterializeResult(metadata=metadata)
