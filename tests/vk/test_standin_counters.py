"""The stand-in's counters look like VK's, so analytics over it look like analytics of VK."""

import statistics

import pytest

from pipelines.local_env import STANDIN_DAYS, STANDIN_GROUPS, STANDIN_SEED
from vk_standin.world import World


@pytest.fixture(scope="module")
def default_world():
    """The world `make demo` and `make ui` serve."""
    return World(seed=STANDIN_SEED, n_groups=STANDIN_GROUPS, days=STANDIN_DAYS)


def test_er_post_is_mostly_single_digit_percent_with_a_long_tail(default_world):
    members = {g["id"]: g["members_count"] for g in default_world.groups() if "members_count" in g}
    er = [100 * (p["likes"]["count"] + p["comments"]["count"] + p["reposts"]["count"])
          / members[-p["owner_id"]] for p in default_world.posts()]
    assert len(er) > 100
    assert 0.5 <= statistics.median(er) <= 10, statistics.median(er)
    assert sum(value < 10 for value in er) / len(er) > 0.9
    assert max(er) > 3 * statistics.median(er)  # a tail


def test_views_above_likes_above_comments_and_reposts_for_most_posts(default_world):
    posts = [p for p in default_world.posts() if "views" in p]
    ordered = [p for p in posts if p["views"]["count"] > p["likes"]["count"]
               > max(p["comments"]["count"], p["reposts"]["count"])]
    assert len(ordered) / len(posts) > 0.8
    assert statistics.median(p["views"]["count"] / max(1, p["likes"]["count"]) for p in posts) > 5
