"""The commenter audience across the monitored communities: who comments in more than one of
them, how much their audiences overlap (a heat map of shared commenters and their Jaccard
index), the most active cross-community commenters, and how much of the talk comes from
accounts seen once. Written to the tables of schema `analytics` for other tools, and shown
on the asset page.

Counted: comments written in the period by people in monitored communities. Not counted:
deleted comments (VK keeps no author for them) and comments written by communities
(from_id < 0: a community answering on a wall is not its audience).
"""

import pandas as pd
from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from assets.reporting.frames import AnalyticsPeriod
from assets.reporting.panels import matrix_heatmap
from assets.reporting.rendering import frame_table, markdown_table
from resources.database import PostgresResource, load_sql

EXCLUDED = ("Deleted comments and comments written by communities (from_id < 0) are not "
            "counted; only monitored communities.")


def audience_frames(database: PostgresResource, period: AnalyticsPeriod) -> dict[str, pd.DataFrame]:
    """Replace the analytics tables' rows with the period's and return them as frames:
    `communities`, `overlap` (pairs) and `cross` (cross-community commenters, best first)."""
    params = period.params()
    with database.connection() as conn:
        conn.execute(load_sql("analytics_audience_begin"))
        conn.execute(load_sql("analytics_audience_stage"), params)
        communities = conn.execute(load_sql("analytics_audience_communities"), params).fetchall()
        overlap = conn.execute(load_sql("analytics_audience_overlap"), params).fetchall()
        cross = conn.execute(load_sql("analytics_audience_cross_commenters"), params).fetchall()
    communities = pd.DataFrame(communities, columns=[
        "group_id", "group_name", "commenters", "comments", "cross_commenters",
        "comments_seen_once"]).sort_values(["commenters", "group_id"], ascending=[False, True])
    communities["cross_share"] = _percent(communities["cross_commenters"], communities["commenters"])
    communities["seen_once_share"] = _percent(communities["comments_seen_once"], communities["comments"])
    cross = pd.DataFrame(cross, columns=["from_id", "communities", "comments", "group_ids",
                                         "likes_received", "last_comment_at"])
    cross = cross.sort_values(["communities", "comments", "from_id"], ascending=[False, False, True])
    cross["author"] = [f"https://vk.com/id{author}" for author in cross["from_id"]]
    return {"communities": communities.reset_index(drop=True), "cross": cross.reset_index(drop=True),
            "overlap": pd.DataFrame(overlap, columns=["group_a", "group_b", "shared", "jaccard"])}


def overlap_matrix(communities: pd.DataFrame, overlap: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shared commenters, Jaccard) as symmetric community × community frames indexed by
    name; the diagonal holds a community's own commenters and 1."""
    ids = list(communities["group_id"])
    shared = pd.DataFrame(0, index=ids, columns=ids, dtype="int64")
    jaccard = pd.DataFrame(0.0, index=ids, columns=ids)
    for pair in overlap.itertuples():
        shared.loc[pair.group_a, pair.group_b] = shared.loc[pair.group_b, pair.group_a] = pair.shared
        jaccard.loc[pair.group_a, pair.group_b] = jaccard.loc[pair.group_b, pair.group_a] = pair.jaccard
    for row in communities.itertuples():
        shared.loc[row.group_id, row.group_id] = row.commenters
        jaccard.loc[row.group_id, row.group_id] = 1.0 if row.commenters else 0.0
    names = _unique_names(communities)
    return shared.rename(index=names, columns=names), jaccard.rename(index=names, columns=names)


def _unique_names(communities: pd.DataFrame) -> dict[int, str]:
    # Two communities may share a name; the id tells them apart on the chart.
    counts = communities["group_name"].value_counts()
    return {row.group_id: row.group_name if counts[row.group_name] == 1 and row.group_name
            else f"{row.group_name} ({row.group_id})" for row in communities.itertuples()}


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (100.0 * part / whole.where(whole > 0)).astype("float64")


@asset(group_name="analytics", owners=["team:data-engineering"], deps=[AssetKey("comments")],
       kinds={"postgres", "pandas"},
       description="Commenters across the monitored communities: overlap matrix (shared "
       "commenters, Jaccard) as a heat map, cross-community commenters, the share of comments "
       "from accounts seen once. Tables analytics.commenter_audience, commenter_overlap, "
       "cross_commenters. " + EXCLUDED)
def commenter_audience(config: AnalyticsPeriod, database: PostgresResource) -> MaterializeResult:
    frames = audience_frames(database, config)
    communities, cross = frames["communities"], frames["cross"]
    people = int(communities["commenters"].sum() - _repeats(cross))
    comments = int(communities["comments"].sum())
    metadata = {
        "period": MetadataValue.text(config.label()),
        "counted": MetadataValue.text(EXCLUDED),
        "commenters": MetadataValue.int(people),
        "cross_community_commenters": MetadataValue.int(len(cross)),
        "comments": MetadataValue.int(comments),
        "share_of_comments_from_accounts_seen_once": MetadataValue.float(
            round(100.0 * int(communities["comments_seen_once"].sum()) / comments, 2) if comments else 0.0),
        "by_community": MetadataValue.md(frame_table(communities, {
            "group_name": "community", "group_id": "id", "commenters": "commenters",
            "comments": "comments", "cross_commenters": "also comment elsewhere",
            "cross_share": "% of commenters", "comments_seen_once": "comments from one-time accounts",
            "seen_once_share": "% of comments"}, {"cross_share": ".1f", "seen_once_share": ".1f"})),
        "cross_community_commenters_table": MetadataValue.md(frame_table(
            cross.head(config.top).assign(group_ids=cross.head(config.top)["group_ids"].map(list)), {
                "author": "author", "communities": "communities", "comments": "comments",
                "group_ids": "community ids", "likes_received": "likes received",
                "last_comment_at": "last comment"})),
    }
    if len(communities) > 1:
        shared, jaccard = overlap_matrix(communities, frames["overlap"])
        metadata["overlap_matrix"] = MetadataValue.md(markdown_table(
            ["shared commenters (Jaccard)", *jaccard.columns],
            ([name, *(f"{shared.loc[name, other]} ({jaccard.loc[name, other]:.2f})"
                      for other in jaccard.columns)] for name in jaccard.index),
            empty="_no communities_"))
        metadata["overlap_heatmap"] = MetadataValue.md(matrix_heatmap(
            "Commenter overlap: Jaccard index (shared commenters below)", jaccard, shared,
            "Jaccard index"))
    return MaterializeResult(metadata=metadata)


def _repeats(cross: pd.DataFrame) -> int:
    # A cross-community commenter is counted once per community in the per-community rows.
    return int((cross["communities"] - 1).sum()) if not cross.empty else 0
