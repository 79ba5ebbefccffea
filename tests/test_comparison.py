"""Community comparison against figures and ranks computed by hand.

The period is 5..7 January 2026 in Moscow (UTC+3), 3 days; times below are UTC.

    1 Alpha  snapshots 4 Jan 1000, 7 Jan 1030: members 1030, growth 30 = 3 % of 1000
      P1 5 Jan 09:00 (Mon 12h)  50 likes 10 comments, 1000 views, photo   ER 6 %,  ER view 6 %
      P2 6 Jan 09:00 (Tue 12h)  20 likes, 500 views, text                ER 2 %,  ER view 4 %
      -> 2 posts, 0.67 a day, ER 4, ER view 5, 5 comments a post, best Mon 12:00
    2 Beta   no snapshots, 500 members today: members 500, growth unknown
      P3 5 Jan 15:00 (Mon 18h)  40 likes 10 reposts, 2000 views, video   ER 10 %, ER view 2.5 %
    3 Gamma  snapshots 5 Jan 190, 6 Jan 200: members 200, growth 10 = 5.26 % of 190
      P4 5 Jan 06:00 (Mon 09h)  2 likes 2 comments, no views, photo     ER 4/190 = 2.105 %
      P5 6 Jan 06:00 (Tue 09h)  6 likes, 100 views, photo               ER 3 %,  ER view 6 %
      P6 7 Jan 06:00 (Wed 09h)  1 like 1 comment, 50 views, a repost    ER 1 %,  ER view 4 %
      -> 3 posts, 1 a day, ER 2.035, ER view 5, 1 comment a post, best Tue 09:00
    4 Delta  monitored, 100 members, no posts
    5 Omega  not monitored (its post never counts by default)

Ranks (1 best, ties share, no figure last):
              ER  ERview  posts/day  comments/post  members  growth%   mean
    Alpha      2    1        2           1            1        2       9/6 = 1.5
    Gamma      3    1        1           2            3        1      11/6 = 1.83
    Beta       1    3        3           3            2        3      15/6 = 2.5
    Delta      4    4        4           4            4        3      23/6 = 3.83
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
from dagster import materialize

from assets import comparison
from assets.reporting.frames import community_day_frame, post_frame

PERIOD = {"until": "2026-01-07", "days": 3}


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def dataset(db, rows):
    for group_id, name, members in ((1, "Alpha", 2000), (2, "Beta", 500), (3, "Gamma", 200),
                                    (4, "Delta", 100)):
        rows.group(group_id, name=name, members_count=members, screen_name=name.lower())
    rows.group(5, name="Omega", members_count=10, is_monitored=False, unmonitored_at=utc(1, 0))
    for group_id, day, members in ((1, 4, 1000), (1, 7, 1030), (3, 5, 190), (3, 6, 200)):
        db.execute("INSERT INTO vk.group_snapshots (group_id, snapshot_date, members_count) "
                   "VALUES (%s, %s, %s)", (group_id, date(2026, 1, day), members))
    rows.post(1, 1, utc(5, 9), likes_count=50, comments_count=10, views_count=1000,
              attachment_types=["photo"])
    rows.post(1, 2, utc(6, 9), likes_count=20, views_count=500, text="hello")
    rows.post(2, 1, utc(5, 15), likes_count=40, reposts_count=10, views_count=2000,
              attachment_types=["video"])
    rows.post(3, 1, utc(5, 6), likes_count=2, comments_count=2, attachment_types=["photo"])
    rows.post(3, 2, utc(6, 6), likes_count=6, views_count=100, attachment_types=["photo"])
    rows.post(3, 3, utc(7, 6), likes_count=1, comments_count=1, views_count=50, is_repost=True)
    rows.post(5, 1, utc(6, 6), likes_count=1000, views_count=1000)


def _compare(database, **config):
    period = comparison.ComparisonPeriod(**PERIOD, **config)
    groups = pd.DataFrame(database.fetch_all("monitored_groups"))
    return comparison.compare_communities(post_frame(database, period),
                                          community_day_frame(database, period),
                                          period.group_ids(groups), period.days).set_index("group_name")


def test_figures_and_ranks_side_by_side(dataset, database):
    table = _compare(database)
    assert list(table.index) == ["Alpha", "Gamma", "Beta", "Delta"]
    assert list(table["rank"]) == [1, 2, 3, 4]
    assert table.loc["Alpha", ["avg_er_post", "avg_er_view", "posts_per_day", "comments_per_post",
                               "members", "growth_percent"]].tolist() == pytest.approx(
        [4.0, 5.0, 2 / 3, 5.0, 1030, 3.0])
    gamma = table.loc["Gamma"]
    assert gamma["avg_er_post"] == pytest.approx((400 / 190 + 3 + 1) / 3)
    assert (gamma["avg_er_view"], gamma["posts_per_day"], gamma["members"]) == (
        pytest.approx(5.0), pytest.approx(1.0), 200)
    assert gamma["growth_percent"] == pytest.approx(10 / 190 * 100)
    assert table.loc["Beta", "avg_er_post"] == pytest.approx(10.0)
    assert pd.isna(table.loc["Beta", "growth_percent"]) and table.loc["Delta", "posts"] == 0
    ranks = {name: [int(table.loc[name, f"rank_{column}"]) for column, _ in comparison.RANKED]
             for name in table.index}
    assert ranks == {"Alpha": [2, 1, 2, 1, 1, 2], "Gamma": [3, 1, 1, 2, 3, 1],
                     "Beta": [1, 3, 3, 3, 2, 3], "Delta": [4, 4, 4, 4, 4, 3]}
    assert list(table["mean_rank"]) == pytest.approx([9 / 6, 11 / 6, 15 / 6, 23 / 6])
    assert table.loc["Alpha", "best_time"] == "Mon 12:00"
    assert table.loc["Gamma", "best_time"] == "Tue 09:00"
    assert table.loc["Delta", "best_time"] is None
    assert table.loc["Alpha", "content_mix"] == "photo 50%, text 50%"
    assert table.loc["Gamma", "content_mix"] == "photo 67%, repost 33%"


def test_a_chosen_set_is_ranked_among_itself(dataset, database):
    table = _compare(database, communities=["beta", "https://vk.com/club3"])
    # Ranks between the two only: Gamma 2 1 1 1 2 1 (mean 8/6), Beta 1 2 2 2 1 2 (10/6).
    assert list(table.index) == ["Gamma", "Beta"] and list(table["rank"]) == [1, 2]
    assert list(table["mean_rank"]) == pytest.approx([8 / 6, 10 / 6])
    with pytest.raises(ValueError, match="not monitored: omega"):
        _compare(database, communities=["omega"])


def test_the_asset_page_shows_the_table_and_the_chart(dataset, database, dagster_instance):
    result = materialize([comparison.community_comparison], resources={"database": database},
                         instance=dagster_instance,
                         run_config={"ops": {"community_comparison": {"config": PERIOD}}})
    shown = result.asset_materializations_for_node("community_comparison")[0].metadata
    assert shown["communities"].value == 4 and shown["leader"].value == "Alpha"
    rows = shown["comparison"].value.splitlines()
    assert rows[2] == ("| 1 | Alpha | 2 | 4.00 (#2) | 5.00 (#1) | 0.67 (#2) | 5.0 (#1) | 1030 (#1) "
                       "| 3.00 (#2) | Mon 12:00 | photo 50%, text 50% | 1.50 |")
    assert rows[5].startswith("| 4 | Delta | 0 | – (#4) |")
    assert shown["chart"].value.startswith("![Communities side by side")
