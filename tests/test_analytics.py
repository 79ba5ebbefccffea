"""Analytics assets against values computed by hand on a small known dataset, and what their
materializations show in the UI (markdown tables, PNG charts).

The dataset (times UTC; the period is 5..7 January 2026 in Moscow, UTC+3):

    community 1 "Alpha": snapshots 4 Jan 1000, 5 Jan 1010, 7 Jan 1040 members (today 2000)
      P0  1 Jan 09:00  100 likes                                   (before the period)
      P1  5 Jan 09:00  80 likes 10 reposts 10 comments, 2000 views, photo      Mon 12h MSK
      P2  5 Jan 20:30  5 likes 5 comments, no views, no text                   Mon 23h MSK
      P3  6 Jan 21:30  20 likes 6 reposts, 1300 views, video+photo, 150 chars  Wed 7 Jan 00h MSK
      P9  6 Jan        deleted on VK: never counted
    community 2 "Beta": no snapshots, 500 members today
      P4  6 Jan 12:00  40 likes 5 reposts 5 comments, 1000 views, a repost, 600 chars  Tue 15h

ER post: P1 100/1010 = 9.90099 %, P2 10/1010 = 0.990099 %, P3 26/1040 = 2.5 %, P4 50/500 = 10 %.
ER view: P1 5 %, P3 2 %, P4 5 %.
"""

from __future__ import annotations

import base64
import math
import re
from datetime import UTC, date, datetime

import pytest
from dagster import AssetKey, AssetMaterialization, DagsterInstance, evaluate_automation_conditions
from dagster import materialize

from assets import analytics
from assets.reporting.frames import (
    AnalyticsPeriod,
    er_by_content_type,
    er_by_text_length,
    post_frame,
    posting_heatmap,
    top_posts,
)

PERIOD = {"until": "2026-01-07", "days": 3, "top": 5}
ER = {1: 100 / 1010 * 100, 2: 10 / 1010 * 100, 3: 2.5, 4: 10.0}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def dataset(db, rows):
    db.execute("SELECT vk.ensure_comment_partitions('2026-01-01', '2026-02-01')")
    rows.group(1, name="Alpha", members_count=2000)
    rows.group(2, name="Beta", members_count=500)
    for day, members in ((4, 1000), (5, 1010), (7, 1040)):
        db.execute("INSERT INTO vk.group_snapshots (group_id, snapshot_date, members_count) "
                   "VALUES (1, %s, %s)", (date(2026, 1, day), members))
    rows.post(1, 9, utc(1, 9), likes_count=100)
    rows.post(1, 1, utc(5, 9), likes_count=80, reposts_count=10, comments_count=10,
              views_count=2000, text="Hello #news", hashtags=["news"], attachment_types=["photo"])
    rows.post(1, 2, utc(5, 20, 30), likes_count=5, comments_count=5)
    rows.post(1, 3, utc(6, 21, 30), likes_count=20, reposts_count=6, views_count=1300,
              text="x" * 150, attachment_types=["video", "photo"])
    rows.post(1, 10, utc(6, 10), likes_count=999, is_deleted_on_vk=True, deleted_seen_at=utc(7, 1))
    rows.post(2, 1, utc(6, 12), likes_count=40, reposts_count=5, comments_count=5,
              views_count=1000, is_repost=True, text="y" * 600)

    def comment(group_id, post_id, post_time, comment_id, when, from_id, text, **extra):
        rows.comment(group_id, post_id, comment_id, post_time, when, from_id=from_id, text=text, **extra)

    comment(1, 1, utc(5, 9), 101, utc(5, 10), 701, "Погода отличная #news", likes_count=3,
            hashtags=["news"])
    comment(1, 1, utc(5, 9), 102, utc(5, 22), 701, "погода снова", likes_count=1)  # 6 Jan MSK
    comment(1, 1, utc(5, 9), 103, utc(6, 10), 702, "Отличная погода, правда")
    comment(1, 1, utc(5, 9), 104, utc(6, 11), None, "", is_deleted=True)
    comment(2, 1, utc(6, 12), 201, utc(7, 10), 701, "Репост #news #sale", likes_count=5,
            hashtags=["news", "sale"])
    comment(1, 9, utc(1, 9), 901, utc(2, 10), 703, "погода старая")  # before the period


@pytest.fixture
def posts(dataset, database):
    return post_frame(database, AnalyticsPeriod(**PERIOD))


def test_period_is_whole_local_days(dataset):
    start, end = AnalyticsPeriod(**PERIOD).window()
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (utc(4, 21), utc(7, 21))


def test_er_post_and_er_view_per_post(posts):
    by_post = posts.set_index(["group_id", "post_id"])
    assert sorted(by_post.index) == [(1, 1), (1, 2), (1, 3), (2, 1)]
    for (group_id, post_id), expected in {(1, 1): ER[1], (1, 2): ER[2], (1, 3): ER[3],
                                          (2, 1): ER[4]}.items():
        assert by_post.loc[(group_id, post_id), "er_post"] == pytest.approx(expected)
    assert by_post.loc[(1, 1), "er_view"] == pytest.approx(5.0)
    assert math.isnan(by_post.loc[(1, 2), "er_view"])
    assert by_post.loc[(1, 3), "er_view"] == pytest.approx(2.0)
    # The audience of the post's own (Moscow) day: P3 is 7 January there.
    assert dict(by_post["members_count"]) == {(1, 1): 1010, (1, 2): 1010, (1, 3): 1040, (2, 1): 500}
    assert dict(by_post["text_length"]) == {(1, 1): 11, (1, 2): 0, (1, 3): 150, (2, 1): 600}
    assert list(by_post.loc[(1, 1), "hashtags"]) == ["news"]


def test_heatmap_by_moscow_weekday_and_hour(posts):
    grid = posting_heatmap(posts)
    assert grid.shape == (7, 24)
    assert grid.loc[0, 12] == pytest.approx(ER[1])  # Monday 12:00
    assert grid.loc[0, 23] == pytest.approx(ER[2])  # Monday 23:30
    assert grid.loc[1, 15] == pytest.approx(ER[4])  # Tuesday 15:00
    assert grid.loc[2, 0] == pytest.approx(ER[3])  # Wednesday 00:30
    assert grid.count().sum() == 4


def test_er_by_content_type_and_text_length(posts):
    by_type = er_by_content_type(posts).set_index("content_type")
    assert by_type.loc["photo", "posts"] == 2
    assert by_type.loc["photo", "avg_er_post"] == pytest.approx((ER[1] + ER[3]) / 2)
    assert by_type.loc["photo", "avg_er_view"] == pytest.approx(3.5)
    assert by_type.loc["video", "avg_er_post"] == pytest.approx(2.5)
    assert by_type.loc["text", "avg_er_post"] == pytest.approx(ER[2])
    assert by_type.loc["repost", "avg_er_post"] == pytest.approx(10.0)
    by_length = er_by_text_length(posts)
    assert list(by_length["text_length_bucket"]) == ["no text", "1-100", "101-500", "501-1000"]
    assert list(by_length["avg_er_post"]) == pytest.approx([ER[2], ER[1], ER[3], ER[4]])


def test_top_posts_by_er_post(posts):
    assert [(row.group_id, row.post_id) for row in top_posts(posts, 3).itertuples()] == [
        (2, 1), (1, 1), (1, 3)]


def _materialize(database, instance, *assets_, period=PERIOD):
    config = {"ops": {asset.key.path[-1]: {"config": period} for asset in assets_}}
    result = materialize(list(assets_), resources={"database": database}, instance=instance,
                         run_config=config)
    assert result.success
    return {asset.key.path[-1]: result.asset_materializations_for_node(asset.key.path[-1])[0].metadata
            for asset in assets_}


def _png(markdown: str) -> bytes:
    match = re.fullmatch(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match, markdown[:80]
    return base64.b64decode(match.group(1))


def test_every_asset_shows_tables_and_charts(dataset, database, dagster_instance):
    assets_ = [analytics.post_engagement, analytics.community_days,
               analytics.posting_time_heatmap, analytics.top_posts_of_period,
               analytics.engagement_by_content, analytics.top_commenters, analytics.comment_terms]
    shown = _materialize(database, dagster_instance, *assets_)
    for name, metadata in shown.items():
        tables = [value.value for value in metadata.values()
                  if value.__class__.__name__ == "MarkdownMetadataValue" and "|---" in value.value]
        charts = [value.value for value in metadata.values()
                  if value.__class__.__name__ == "MarkdownMetadataValue" and value.value.startswith("![")]
        assert tables, name
        assert charts and all(_png(chart).startswith(b"\x89PNG") for chart in charts), name
        assert metadata["period"].value == "2026-01-05 .. 2026-01-07 (Europe/Moscow)"

    engagement = shown["post_engagement"]
    assert engagement["posts"].value == 4
    assert engagement["avg_er_post"].value == pytest.approx(sum(ER.values()) / 4)
    assert engagement["avg_er_view"].value == pytest.approx(4.0)
    assert "| Alpha | 1 | 3 | 136 | 4.46 |" in engagement["by_community"].value
    assert shown["posting_time_heatmap"]["best_time"].value == "Tue 15:00"
    assert shown["top_posts_of_period"]["top_posts"].value.splitlines()[2].startswith("| 10.00 | 5.00 | 50 |")


def test_community_days_with_rolling_averages_and_growth(dataset, database):
    days = {(row["group_id"], row["day"].day): row for row in database.fetch_all(
        "analytics_group_days", AnalyticsPeriod(**PERIOD).params())}
    assert sorted(days) == [(1, 5), (1, 6), (1, 7), (2, 5), (2, 6), (2, 7)]
    alpha5, alpha6, alpha7 = days[(1, 5)], days[(1, 6)], days[(1, 7)]
    assert (alpha5["posts"], alpha5["reactions"], alpha5["members"]) == (2, 110, 1010)
    assert alpha5["er_day"] == pytest.approx(110 / 1010 * 100)
    assert (alpha6["posts"], alpha6["er_day"], alpha6["members"]) == (0, 0, 1010)
    assert alpha7["er_day"] == pytest.approx(2.5) and alpha7["members"] == 1040
    # Growth since the previous snapshot, on days that have one.
    assert [alpha5["members_growth"], alpha6["members_growth"], alpha7["members_growth"]] == [10, None, 30]
    # Comments written that (Moscow) day; the deleted one is not counted.
    assert [alpha5["comments"], alpha6["comments"], alpha7["comments"]] == [1, 2, 0]
    # 1 Jan (P0: 100 reactions / 1000, the first snapshot after it) is inside both windows.
    assert alpha7["er_day_avg_7"] == pytest.approx((10.0 + 110 / 1010 * 100 + 2.5) / 7)
    assert alpha5["er_day_avg_7"] == pytest.approx((10.0 + 110 / 1010 * 100) / 7)
    assert alpha7["er_day_avg_28"] == pytest.approx((10.0 + 110 / 1010 * 100 + 2.5) / 28)
    beta6 = days[(2, 6)]
    assert (beta6["er_day"], beta6["members"], beta6["members_growth"]) == (10.0, 500, None)
    assert days[(2, 7)]["comments"] == 1


def test_top_commenters_and_terms(dataset, database):
    params = AnalyticsPeriod(**PERIOD).params()
    people = database.fetch_all("analytics_top_commenters", params)
    assert [(p["from_id"], p["comments"], p["posts"], p["communities"], p["likes_received"])
            for p in people] == [(701, 3, 2, 2, 9), (702, 1, 1, 1, 0)]
    terms = database.fetch_all("analytics_comment_terms", params)
    words = [(t["term"], t["comments"]) for t in terms if t["kind"] == "word"]
    tags = [(t["term"], t["comments"]) for t in terms if t["kind"] == "hashtag"]
    assert words[0] == ("погод", 3)
    assert ("отличн", 2) in words and ("news", 2) in words
    assert tags == [("#news", 2), ("#sale", 1)]


def test_an_empty_period_says_so(dataset, database, dagster_instance):
    config = {"ops": {"post_engagement": {"config": {"until": "2025-06-01", "days": 7}}}}
    result = materialize([analytics.post_engagement], resources={"database": database},
                         instance=dagster_instance, run_config=config)
    metadata = result.asset_materializations_for_node("post_engagement")[0].metadata
    assert metadata["posts"].value == 0
    assert metadata["posts_table"].value == "_nothing in the period_"
    assert "er_post_distribution" not in metadata


@pytest.mark.parametrize("asset_def", [asset_def for asset_def in (
    analytics.post_engagement, analytics.community_days, analytics.posting_time_heatmap,
    analytics.top_posts_of_period, analytics.engagement_by_content, analytics.top_commenters,
    analytics.comment_terms)], ids=lambda a: a.key.to_user_string())
def test_every_analytics_asset_materializes_an_empty_period(dataset, database, dagster_instance, asset_def):
    name = asset_def.key.to_user_string()
    config = {"ops": {name: {"config": {"until": "2025-06-01", "days": 7}}}}
    result = materialize([asset_def], resources={"database": database}, instance=dagster_instance,
                         run_config=config)
    assert result.success
    assert result.asset_materializations_for_node(name)[0].metadata


def test_the_analytics_tables_hold_the_hand_computed_values_and_the_reader_reads_them(
        dataset, db, database, dagster_instance):
    _materialize(database, dagster_instance, analytics.post_engagement, analytics.community_days)
    _materialize(database, dagster_instance, analytics.post_engagement, analytics.community_days)  # replaced, not doubled
    # Other tests' periods leave their own days in the tables: this one's are 5..7 January.
    period = "WHERE day BETWEEN '2026-01-05' AND '2026-01-07'"
    posts, days = _as_reader(db, f"SELECT * FROM analytics.post_engagement {period}",
                             f"SELECT * FROM analytics.community_days {period}")
    posts = {(r["group_id"], r["post_id"]): r for r in posts}
    days = {(r["group_id"], r["day"].day): r for r in days}
    assert sorted(posts) == [(1, 1), (1, 2), (1, 3), (2, 1)]
    assert posts[(1, 1)]["er_post"] == pytest.approx(ER[1]) and posts[(2, 1)]["er_post"] == pytest.approx(ER[4])
    assert posts[(1, 3)]["er_view"] == pytest.approx(2.0) and posts[(1, 2)]["er_view"] is None
    assert posts[(1, 3)]["day"] == date(2026, 1, 7) and posts[(1, 3)]["members_count"] == 1040
    assert sorted(days) == [(1, 5), (1, 6), (1, 7), (2, 5), (2, 6), (2, 7)]
    assert days[(1, 5)]["er_day"] == pytest.approx(110 / 1010 * 100)
    assert [days[(1, d)]["members_growth"] for d in (5, 6, 7)] == [10, None, 30]
    assert days[(1, 7)]["er_day_avg_7"] == pytest.approx((10.0 + 110 / 1010 * 100 + 2.5) / 7)


PERIOD_TABLES = {asset_def: asset_def.key.path[-1] for asset_def in (
    analytics.posting_time_heatmap, analytics.top_posts_of_period, analytics.engagement_by_content,
    analytics.top_commenters, analytics.comment_terms)}


def test_the_period_tables_hold_the_hand_computed_values_and_the_reader_reads_them(
        dataset, db, database, dagster_instance):
    _materialize(database, dagster_instance, *PERIOD_TABLES)
    # Another period (6..7 January) beside it, then the same period again: it replaces its own
    # rows, every one of them, and leaves the other period's alone.
    _materialize(database, dagster_instance, *PERIOD_TABLES, period={**PERIOD, "days": 2})
    between = db.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
    _materialize(database, dagster_instance, *PERIOD_TABLES)
    period = "WHERE period_start = '2026-01-05' AND period_end = '2026-01-07'"
    heatmap, top, content, commenters, terms = _as_reader(db, *(
        f"SELECT * FROM analytics.{table} {period}" for table in PERIOD_TABLES.values()))
    others = _as_reader(db, *(f"SELECT count(*) AS n, max(computed_at) AS at FROM analytics.{table} "
                              "WHERE period_start = '2026-01-06' AND period_end = '2026-01-07'"
                              for table in PERIOD_TABLES.values()))
    for table, rows in zip(PERIOD_TABLES.values(), (heatmap, top, content, commenters, terms)):
        assert rows and all(row["computed_at"] > between for row in rows), table
    for table, [other] in zip(PERIOD_TABLES.values(), others):
        assert other["n"] > 0 and other["at"] < between, table

    # The heat map's cells (test_heatmap_by_moscow_weekday_and_hour), community by community.
    assert {(r["group_id"], r["weekday"], r["hour"]): (r["posts"], r["avg_er_post"]) for r in heatmap} \
        == {(1, 0, 12): (1, pytest.approx(ER[1])), (1, 0, 23): (1, pytest.approx(ER[2])),
            (2, 1, 15): (1, pytest.approx(ER[4])), (1, 2, 0): (1, pytest.approx(ER[3]))}
    # The top posts (test_top_posts_by_er_post; `top` is 5, so all four).
    top = sorted(top, key=lambda r: r["rank"])
    assert [(r["rank"], r["group_id"], r["post_id"]) for r in top] == [
        (1, 2, 1), (2, 1, 1), (3, 1, 3), (4, 1, 2)]
    assert [r["er_post"] for r in top] == pytest.approx([ER[4], ER[1], ER[3], ER[2]])
    assert [r["er_view"] for r in top[:3]] == pytest.approx([5.0, 5.0, 2.0]) and top[3]["er_view"] is None
    assert [(r["reactions"], r["members_count"]) for r in top] == [(50, 500), (100, 1010), (26, 1040), (10, 1010)]
    assert top[0]["published_at"] == utc(6, 12)
    # ER by content type and by text length (test_er_by_content_type_and_text_length).
    content = {(r["dimension"], r["bucket"]): r for r in content}
    assert sorted(content) == sorted([("content_type", kind) for kind in ("photo", "video", "text", "repost")]
                                     + [("text_length", bucket) for bucket in
                                        ("no text", "1-100", "101-500", "501-1000")])
    photo = content[("content_type", "photo")]
    assert (photo["posts"], photo["avg_er_post"], photo["avg_er_view"]) == (
        2, pytest.approx((ER[1] + ER[3]) / 2), pytest.approx(3.5))
    assert content[("content_type", "video")]["avg_er_post"] == pytest.approx(2.5)
    assert content[("content_type", "text")]["avg_er_post"] == pytest.approx(ER[2])
    assert content[("content_type", "text")]["avg_er_view"] is None
    assert content[("content_type", "repost")]["avg_er_post"] == pytest.approx(10.0)
    assert [content[("text_length", bucket)]["avg_er_post"] for bucket in
            ("no text", "1-100", "101-500", "501-1000")] == pytest.approx([ER[2], ER[1], ER[3], ER[4]])
    # The commenters and the words (test_top_commenters_and_terms).
    assert sorted((r["from_id"], r["comments"], r["posts"], r["communities"], r["likes_received"])
                  for r in commenters) == [(701, 3, 2, 2, 9), (702, 1, 1, 1, 0)]
    assert {r["from_id"]: r["last_comment_at"] for r in commenters} == {701: utc(7, 10), 702: utc(6, 10)}
    words = {r["term"]: r["comments"] for r in terms if r["kind"] == "word"}
    assert words["погод"] == 3 and words["отличн"] == 2 and words["news"] == 2
    assert max(words.values()) == 3 and len(words) <= PERIOD["top"]
    assert sorted((r["term"], r["comments"]) for r in terms if r["kind"] == "hashtag") == [
        ("#news", 2), ("#sale", 1)]


def test_the_loader_writes_the_period_tables_and_the_reader_only_reads_them(db):
    for table in PERIOD_TABLES.values():
        privileges = db.execute(
            "SELECT has_table_privilege('vk_loader', %(t)s, 'INSERT, DELETE') AS loader_writes, "
            "has_table_privilege('vk_reader', %(t)s, 'SELECT') AS reader_reads, "
            "has_table_privilege('vk_reader', %(t)s, 'INSERT, UPDATE, DELETE') AS reader_writes",
            {"t": f"analytics.{table}"}).fetchone()
        assert privileges == {"loader_writes": True, "reader_reads": True, "reader_writes": False}, table


def _as_reader(db, *queries: str) -> list[list[dict]]:
    """The rows of each query, read as vk_reader."""
    db.execute("SET ROLE vk_reader")
    try:
        return [db.execute(query).fetchall() for query in queries]
    finally:
        db.execute("RESET ROLE")


def test_the_analytics_refresh_after_a_load_without_anyone_launching_them():
    from pipelines.definitions import defs

    # An instance of its own: what earlier tests materialized must not count as "updated".
    instance = DagsterInstance.ephemeral()
    wanted = {AssetKey("post_engagement"), AssetKey("community_days"), AssetKey("comment_terms")}
    before = evaluate_automation_conditions(defs=defs, instance=instance)
    assert before.total_requested == 0  # nothing loaded, nothing asked
    for key in ("posts", "comments"):
        instance.report_runless_asset_event(AssetMaterialization(AssetKey(key), partition="2026-01-05"))
    after = evaluate_automation_conditions(defs=defs, instance=instance, cursor=before.cursor)
    assert all(after.get_num_requested(key) == 1 for key in wanted), after.total_requested
    again = evaluate_automation_conditions(defs=defs, instance=instance, cursor=after.cursor)
    assert again.total_requested == 0  # asked once per load, not on every tick
