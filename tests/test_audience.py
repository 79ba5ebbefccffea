"""The commenter audience across communities against values computed by hand.

The dataset (comments written 5..7 January 2026, Moscow; communities 1-3 monitored, 4 not):

    701: Alpha ×2, Beta ×1                       cross-community (2 communities, 3 comments)
    702: Alpha, Beta, Gamma                      cross-community (3 communities, 3 comments)
    703: Alpha ×1                                seen once
    704: Beta ×1, Delta ×1 (Delta not monitored) seen once among the monitored
    705: Gamma ×2
    not counted: community -1 on Alpha's wall, a deleted comment on Beta's, 706 on Gamma
    before the period

Commenters: Alpha {701, 702, 703} 3, Beta {701, 702, 704} 3, Gamma {702, 705} 2 (5 people).
Comments: Alpha 4, Beta 3, Gamma 3 = 10; from accounts seen once: Alpha 1, Beta 1 = 20 %.
Shared: Alpha-Beta {701, 702} 2, Jaccard 2 / (3 + 3 - 2) = 0.5; Alpha-Gamma and Beta-Gamma
{702} 1, Jaccard 1 / (3 + 2 - 1) = 0.25.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dagster import materialize

from assets import audience
from assets.reporting.frames import AnalyticsPeriod

PERIOD = {"until": "2026-01-07", "days": 3, "top": 5}
POST = datetime(2026, 1, 4, 22, tzinfo=UTC)  # 5 January, 01:00 in Moscow


@pytest.fixture
def dataset(db, rows):
    db.execute("SELECT vk.ensure_comment_partitions('2025-12-01', '2026-02-01')")
    for group_id, name in ((1, "Alpha"), (2, "Beta"), (3, "Gamma")):
        rows.group(group_id, name=name)
        rows.post(group_id, 1, POST)
    rows.group(4, name="Delta", is_monitored=False, unmonitored_at=POST)
    rows.post(4, 1, POST)
    rows.post(3, 2, datetime(2025, 12, 20, tzinfo=UTC))
    comment_id = iter(range(1, 100))
    for group_id, from_id, count in ((1, 701, 2), (2, 701, 1), (1, 702, 1), (2, 702, 1),
                                     (3, 702, 1), (1, 703, 1), (2, 704, 1), (4, 704, 1),
                                     (3, 705, 2), (1, -1, 1)):
        for n in range(count):
            rows.comment(group_id, 1, next(comment_id), POST, datetime(2026, 1, 5 + n, 10, tzinfo=UTC),
                         from_id=from_id, likes_count=from_id % 10)
    rows.comment(2, 1, next(comment_id), POST, datetime(2026, 1, 6, tzinfo=UTC), from_id=None,
                 text="", is_deleted=True)
    rows.comment(3, 2, next(comment_id), datetime(2025, 12, 20, tzinfo=UTC),
                 datetime(2025, 12, 21, tzinfo=UTC), from_id=706)


def test_overlap_matrix_and_cross_community_commenters(dataset, database, db):
    frames = audience.audience_frames(database, AnalyticsPeriod(**PERIOD))
    communities = frames["communities"].set_index("group_id")
    assert list(communities.index) == [1, 2, 3]  # Delta is not monitored
    assert communities[["commenters", "comments", "cross_commenters", "comments_seen_once"]
                       ].to_dict("index") == {
        1: {"commenters": 3, "comments": 4, "cross_commenters": 2, "comments_seen_once": 1},
        2: {"commenters": 3, "comments": 3, "cross_commenters": 2, "comments_seen_once": 1},
        3: {"commenters": 2, "comments": 3, "cross_commenters": 1, "comments_seen_once": 0}}
    assert communities.loc[3, "cross_share"] == pytest.approx(50.0)
    assert communities.loc[2, "seen_once_share"] == pytest.approx(100 / 3)

    shared, jaccard = audience.overlap_matrix(frames["communities"], frames["overlap"])
    assert shared.to_dict() == {"Alpha": {"Alpha": 3, "Beta": 2, "Gamma": 1},
                                "Beta": {"Alpha": 2, "Beta": 3, "Gamma": 1},
                                "Gamma": {"Alpha": 1, "Beta": 1, "Gamma": 2}}
    assert jaccard.loc["Alpha", "Beta"] == pytest.approx(0.5)
    assert jaccard.loc["Gamma", "Alpha"] == pytest.approx(0.25)
    assert jaccard.loc["Beta", "Gamma"] == pytest.approx(0.25)

    cross = frames["cross"]
    assert [(r.from_id, r.communities, r.comments, list(r.group_ids), r.likes_received)
            for r in cross.itertuples()] == [(702, 3, 3, [1, 2, 3], 6), (701, 2, 3, [1, 2], 3)]
    # The same figures are in the analytics tables, for other tools.
    assert db.execute("SELECT group_a, group_b, shared, jaccard FROM analytics.commenter_overlap "
                      "ORDER BY 1, 2").fetchall() == [
        {"group_a": 1, "group_b": 2, "shared": 2, "jaccard": 0.5},
        {"group_a": 1, "group_b": 3, "shared": 1, "jaccard": 0.25},
        {"group_a": 2, "group_b": 3, "shared": 1, "jaccard": 0.25}]
    assert [r["from_id"] for r in db.execute(
        "SELECT from_id FROM analytics.cross_commenters ORDER BY from_id")] == [701, 702]


def test_a_new_period_replaces_the_tables_rows(dataset, database, db):
    audience.audience_frames(database, AnalyticsPeriod(**PERIOD))
    audience.audience_frames(database, AnalyticsPeriod(until="2026-01-05", days=1))
    # 5 January only: 701, 702 (×3 communities), 703, 704, 705 once each.
    assert db.execute("SELECT sum(comments) AS n FROM analytics.commenter_audience").fetchone()["n"] == 8
    assert db.execute("SELECT count(*) AS n FROM analytics.cross_commenters").fetchone()["n"] == 2
    assert {r["period_end"] for r in db.execute("SELECT period_end FROM analytics.commenter_overlap")} == {
        AnalyticsPeriod(until="2026-01-05", days=1).window()[1]}


def test_the_asset_page_shows_the_heat_map_and_says_what_is_not_counted(
        dataset, database, dagster_instance):
    result = materialize([audience.commenter_audience], resources={"database": database},
                         instance=dagster_instance,
                         run_config={"ops": {"commenter_audience": {"config": PERIOD}}})
    shown = result.asset_materializations_for_node("commenter_audience")[0].metadata
    assert shown["commenters"].value == 5 and shown["cross_community_commenters"].value == 2
    assert shown["comments"].value == 10
    assert shown["share_of_comments_from_accounts_seen_once"].value == pytest.approx(20.0)
    assert "from_id < 0" in shown["counted"].value and "Deleted" in shown["counted"].value
    assert "| Alpha | 3 (1.00) | 2 (0.50) | 1 (0.25) |" in shown["overlap_matrix"].value
    assert shown["overlap_heatmap"].value.startswith("![Commenter overlap")
    assert "| https://vk.com/id702 | 3 | 3 | 1, 2, 3 | 6 |" in \
        shown["cross_community_commenters_table"].value


def test_the_readers_role_reads_the_analytics_tables(db):
    for table in ("commenter_audience", "commenter_overlap", "cross_commenters"):
        assert db.execute("SELECT has_table_privilege('vk_reader', %s, 'SELECT') AS ok",
                          (f"analytics.{table}",)).fetchone()["ok"]
    assert not db.execute("SELECT has_column_privilege('vk_reader', 'vk.watches', 'webhook_url', "
                          "'SELECT') AS ok").fetchone()["ok"]
