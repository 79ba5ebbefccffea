"""The client against the stand-in over real HTTP: what it loads must equal what exists."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from resources.vk.errors import VkSkipItem, VkSkipOwner
from vk_standin import World

NO_SPECIALS = dict(n_closed=0, n_private=0, n_deleted=0, n_banned=0)


@pytest.fixture
def long_wall():
    """One community with ~1,200 posts over 60 days and a pinned post: a wall of 12+ pages."""
    world = World(seed=21, n_groups=1, days=60, posts_per_day=20, pinned_share=1.0,
                  mean_comments=1, hot_post_share=0, **NO_SPECIALS)
    return world, world.group_ids()[0]


def ids(items):
    return [item["id"] for item in items]


# ---------------------------------------------------------------------- walls
@pytest.mark.parametrize("first_day, days", [(59, 1), (30, 1), (20, 7), (0, 2), (0, 60), (10, 0)])
def test_iter_wall_reads_exactly_the_window(serve, make_client, long_wall, first_day, days):
    world, gid = long_wall
    server = serve(world)
    client = make_client(server)
    since = world.start + timedelta(days=first_day)
    until = since + timedelta(days=days)
    loaded = list(client.iter_wall(-gid, since, until))
    truth = world.posts(gid, since, until)
    pinned = [p for p in loaded if p.get("is_pinned")]
    assert sorted(ids(loaded)) == sorted(ids(truth))
    assert sorted(loaded, key=lambda p: p["id"]) == sorted(truth, key=lambda p: p["id"])
    assert len(set(ids(loaded))) == len(loaded)
    # Efficiency: the window's pages, the head page, and a few probes to find the window.
    pages = math.ceil(len(truth) / 100) + 1
    probes = math.ceil(math.log2(len(world.posts(gid)) / 100)) + 1
    assert server.counters.method_calls["wall.get"] <= 1 + pages + probes
    assert client.stats.method_calls["wall.get"] == server.counters.method_calls["wall.get"]
    assert len(pinned) <= 1


def test_iter_wall_yields_the_pinned_post_only_inside_the_window(serve, make_client, long_wall):
    world, gid = long_wall
    client = make_client(serve(world))
    pinned = next(p for p in world.posts(gid) if p.get("is_pinned"))
    at = world.start + timedelta(seconds=pinned["date"] - world.start_ts)
    inside = list(client.iter_wall(-gid, at, at + timedelta(hours=1)))
    assert pinned["id"] in ids(inside)
    assert sorted(ids(inside)) == sorted(ids(world.posts(gid, at, at + timedelta(hours=1))))
    after = list(client.iter_wall(-gid, at + timedelta(seconds=1), world.end))
    assert pinned["id"] not in ids(after)
    assert sorted(ids(after)) == sorted(ids(world.posts(gid, at + timedelta(seconds=1), world.end)))


def test_iter_wall_survives_posts_published_during_the_crawl(serve, make_client, long_wall):
    world, gid = long_wall
    world.publish_every_wall_gets = 1  # every wall.get first publishes a post at the head
    server = serve(world)
    client = make_client(server)
    since, until = world.start + timedelta(days=10), world.start + timedelta(days=25)
    loaded = list(client.iter_wall(-gid, since, until))
    assert len(world.posts(gid, since=world.end)) == server.counters.method_calls["wall.get"]
    assert sorted(ids(loaded)) == sorted(ids(world.posts(gid, since, until)))
    assert len(loaded) == len(set(ids(loaded)))


def test_iter_wall_survives_posts_deleted_during_the_crawl(serve, make_client, long_wall):
    world, gid = long_wall
    group = world.group_by_id(gid)
    original = world.note_wall_get

    def delete_head_posts(group_):
        original(group_)
        for _ in range(7):  # newest posts, far from the window, vanish between pages
            world.delete_post(gid, group.posts[-1].id)

    world.note_wall_get = delete_head_posts
    client = make_client(serve(world))
    since, until = world.start + timedelta(days=5), world.start + timedelta(days=20)
    expected = world.posts(gid, since, until)
    loaded = list(client.iter_wall(-gid, since, until))
    assert world.posts(gid, since, until) == expected  # the deletions stayed ahead of the window
    assert sorted(ids(loaded)) == sorted(ids(expected))
    assert len(loaded) == len(set(ids(loaded)))


def test_iter_wall_of_an_unreadable_group_raises_skip_owner(client, world):
    for kind, code in (("closed", 15), ("private", 30), ("deleted", 18)):
        with pytest.raises(VkSkipOwner) as caught:
            list(client.iter_wall(-world.group_ids(kind)[0], world.start, world.end))
        assert caught.value.code == code and caught.value.method == "wall.get"


# ------------------------------------------------------------------ comments
def test_get_comments_loads_every_comment_of_every_post(server, client, world):
    loaded_any_long_thread = loaded_any_deleted = False
    for gid in world.group_ids("open"):
        posts = world.posts(gid)
        results = client.get_comments(-gid, ids(posts))
        assert set(results) == set(ids(posts))
        for post in posts:
            result = results[post["id"]]
            if not post["comments"]["can_post"]:
                assert isinstance(result.error, VkSkipItem) and result.error.code == 212
                assert result.items == []
                continue
            assert result.error is None
            truth = world.comments(gid, post["id"])
            assert result.items == truth  # ids, texts, likes, threads: everything
            loaded_any_long_thread |= any(c.get("thread", {}).get("count", 0) > 10 for c in truth)
            loaded_any_deleted |= any(c.get("deleted") for c in truth)
    assert loaded_any_long_thread and loaded_any_deleted
    assert server.counters.errors[212] >= 1


def test_get_comments_of_a_hot_post_pages_and_follows_every_branch(serve, make_client):
    world = World(seed=9, n_groups=1, posts_per_day=1, days=2, hot_post_share=1.0,
                  max_comments=3000, comments_closed_share=0, **NO_SPECIALS)
    server = serve(world)
    client = make_client(server)
    gid = world.group_ids()[0]
    post_ids = ids(world.posts(gid))
    results = client.get_comments(-gid, post_ids)
    for pid in post_ids:
        truth = world.comments(gid, pid)
        assert len(truth) >= 1000
        assert results[pid].items == truth
    assert len(set(ids(results[post_ids[0]].items))) == len(results[post_ids[0]].items)


def test_pages_of_a_long_level_share_requests_instead_of_following_one_another(
    serve, make_client
):
    """A 1,000-comment post read page after page would take a request per page; asked for
    together, its pages and branches fill requests of 25 and the read is a few requests deep."""
    world = World(seed=9, n_groups=1, posts_per_day=1, days=1, hot_post_share=1.0,
                  max_comments=3000, comments_closed_share=0, **NO_SPECIALS)
    server = serve(world)
    client = make_client(server)
    gid = world.group_ids()[0]
    [post_id] = ids(world.posts(gid))
    truth = world.comments(gid, post_id)
    tree = world.comment_tree(gid, post_id)
    assert len(tree.tops) > 500 and any(len(r) > 10 for r in tree.replies.values())
    results = client.get_comments(-gid, [post_id])
    assert results[post_id].items == truth
    calls = server.counters.method_calls["wall.getComments"]
    pages_one_after_another = math.ceil((len(tree.tops) + 1) / 100)
    assert server.counters.http_requests <= math.ceil(calls / 25) + 2
    assert server.counters.http_requests < pages_one_after_another / 2


def test_get_comments_takes_new_comments_on_a_second_pass(server, client, world):
    gid = world.group_ids("open")[0]
    post = next(p for p in world.posts(gid) if p["comments"]["can_post"])
    first = client.get_comments(-gid, [post["id"]])[post["id"]].items
    world.advance(600)
    added = world.add_comments(gid, post["id"], 30)
    second = client.get_comments(-gid, [post["id"]])[post["id"]].items
    assert second == world.comments(gid, post["id"])
    assert {c["id"] for c in second} == {c["id"] for c in first} | {c["id"] for c in added}


def test_comments_of_200_small_posts_take_8_requests(serve, make_client):
    world = World(seed=5, n_groups=1, days=10, posts_per_day=40, mean_comments=3,
                  max_comments=10, hot_post_share=0, comments_closed_share=0, **NO_SPECIALS)
    gid = world.group_ids()[0]
    posts = world.posts(gid)[:200]
    assert len(posts) == 200
    server = serve(world)
    client = make_client(server)
    results = client.get_comments(-gid, ids(posts))
    assert all(results[p["id"]].items == world.comments(gid, p["id"]) for p in posts)
    assert sum(len(r.items) for r in results.values()) > 200
    assert server.counters.http_requests == math.ceil(200 / 25) == 8
    assert server.counters.method_calls["execute"] == 8
    assert server.counters.method_calls["wall.getComments"] == 200
    assert client.stats.http_requests == 8 and client.stats.retries == 0


# -------------------------------------------------------------------- groups
def test_get_groups_in_calls_of_500(serve, make_client):
    world = World(seed=8, n_groups=300, posts_per_day=0.2, days=1)
    server = serve(world)
    client = make_client(server)
    groups = world.groups()
    unknown = [f"nobody_{i}" for i in range(900)]
    refs = ([g["screen_name"] for g in groups[:100]]
            + [str(g["id"]) for g in groups[100:200]]
            + [g["screen_name"] for g in groups[200:]]
            + unknown)
    found = client.get_groups(refs)
    assert ids(found) == ids(groups)
    assert server.counters.method_calls["groups.getById"] == math.ceil(1200 / 500)
    deactivated = [g for g in found if g.get("deactivated")]
    assert {g["id"] for g in deactivated} == {g["id"] for g in groups if g.get("deactivated")}
    assert client.get_groups(["nobody_a", "nobody_b"]) == []  # VK's error 100: none valid


def test_get_groups_reads_the_old_list_shape(server, make_client, world):
    client = make_client(server, api_version="5.131")
    groups = world.groups()
    assert ids(client.get_groups([g["screen_name"] for g in groups])) == ids(groups)
