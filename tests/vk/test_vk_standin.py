"""The stand-in server and its world, seen from raw HTTP: it must behave like VK."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from vk_standin import StandInServer, World

REPO = Path(__file__).resolve().parents[2]


def vk(server: StandInServer, method: str, *, token: str | None = None, get: bool = False,
       v: str | None = "5.199", **params) -> dict:
    """One raw call; returns the decoded JSON body (VK answers errors with HTTP 200)."""
    params["access_token"] = server.token if token is None else token
    if v is not None:
        params["v"] = v
    url = f"{server.base_url}/{method}"
    reply = requests.get(url, params=params) if get else requests.post(url, data=params)
    assert reply.status_code == 200
    return reply.json()


def error_code(body: dict) -> int | None:
    return body.get("error", {}).get("error_code")


# ---------------------------------------------------------------------- world
def test_world_is_deterministic_for_a_seed():
    a, b, c = World(seed=11, n_groups=5), World(seed=11, n_groups=5), World(seed=12, n_groups=5)
    assert a.groups() == b.groups()
    assert a.posts() == b.posts()
    gid = a.group_ids("open")[0]
    post = a.posts(gid)[0]["id"]
    assert a.comments(gid, post) == b.comments(gid, post)
    assert a.groups() != c.groups()


def test_comment_counts_are_heavy_tailed():
    world = World(seed=3, n_groups=20, days=30, posts_per_day=5, mean_comments=6,
                  hot_post_share=0.01, max_comments=4000)
    counts = [p["comments"]["count"] for p in world.posts()]
    assert len(counts) > 1000
    assert statistics.median(counts) <= 6  # most posts: a handful
    assert max(counts) >= 1000  # a few: thousands
    assert sum(c >= 1000 for c in counts) <= 0.03 * len(counts)
    assert world.total_comments() == sum(counts)


def test_comment_trees_have_long_threads_and_deleted_comments(world):
    gid, pid = _hottest_post(world)
    comments = world.comments(gid, pid)
    assert len(comments) == world.comment_count(gid, pid) >= 500
    assert [c["id"] for c in comments] == sorted({c["id"] for c in comments})
    tops = {c["id"]: c for c in comments if not c["parents_stack"]}
    replies = [c for c in comments if c["parents_stack"]]
    assert all(c["parents_stack"][0] in tops for c in replies)
    assert max(t["thread"]["count"] for t in tops.values()) > 10
    assert all(t["thread"]["count"] == sum(r["parents_stack"] == [t["id"]] for r in replies)
               for t in tops.values())
    deleted = [c for c in comments if c.get("deleted")]
    assert deleted
    # VK's deleted shape: no author, no text, no post id.
    assert all(set(c) <= {"id", "date", "parents_stack", "thread", "deleted"} for c in deleted)
    texts = " ".join(c.get("text", "") for c in comments)
    assert any("а" <= ch <= "я" for ch in texts) and any("a" <= ch <= "z" for ch in texts)
    assert "#" in texts and "http" in texts
    assert any(ord(ch) > 0x1F000 for ch in texts)  # emoji


def test_posts_ground_truth_window_is_inclusive_exclusive(world):
    gid = world.group_ids("open")[0]
    posts = world.posts(gid)
    date = posts[len(posts) // 2]["date"]
    inside = world.posts(gid, since=date, until=date + 1)
    assert inside and all(p["date"] == date for p in inside)
    assert world.posts(gid, since=date, until=date) == []
    assert {p["id"] for p in world.posts(gid, until=date)} | {
        p["id"] for p in world.posts(gid, since=date)} == {p["id"] for p in posts}
    assert all(p["date"] >= world.start_ts and p["date"] < world.end_ts for p in posts)
    assert {"photo", "video", "link", "doc", "poll", "audio"} <= {
        a["type"] for p in world.posts() for a in p.get("attachments", [])}


def test_world_has_every_kind_of_group(world):
    groups = world.groups()
    assert {g["is_closed"] for g in groups} == {0, 1, 2}
    assert {g.get("deactivated") for g in groups} == {None, "deleted"}
    assert len({g["screen_name"] for g in groups}) == len(groups)
    named = groups[0]
    assert world.resolve(named["screen_name"].upper())["id"] == named["id"]
    assert world.resolve(f"club{named['id']}")["id"] == named["id"]
    assert world.resolve("no_such_group") is None


# ----------------------------------------------------------------- the wire
def test_get_and_post_both_answer_in_vk_envelopes(server, world):
    gid = world.group_ids("open")[0]
    by_post = vk(server, "wall.get", owner_id=-gid, count=3)
    by_get = vk(server, "wall.get", get=True, owner_id=-gid, count=3)
    assert by_post == by_get
    assert by_post["response"]["count"] == len(world.posts(gid))
    assert len(by_post["response"]["items"]) == 3


def test_token_and_version_are_checked(server, world):
    gid = world.group_ids("open")[0]
    wrong = vk(server, "wall.get", token="not-a-token", owner_id=-gid)
    assert error_code(wrong) == 5
    assert "not-a-token" not in json.dumps(wrong)  # VK never echoes the token
    assert error_code(vk(server, "wall.get", v="5.80", owner_id=-gid)) == 8
    assert error_code(vk(server, "wall.get", v=None, owner_id=-gid)) == 8
    assert "response" in vk(server, "wall.get", v="5.81", owner_id=-gid)
    assert error_code(vk(server, "no.suchMethod")) == 3


def test_wall_get_is_newest_first_with_the_pinned_post_on_top(server, world):
    group = next(g for g in world._groups if g.pinned_id and g.kind == "open")
    items = vk(server, "wall.get", owner_id=-group.id, count=100)["response"]["items"]
    assert items[0]["id"] == group.pinned_id and items[0]["is_pinned"] == 1
    dates = [p["date"] for p in items[1:]]
    assert dates == sorted(dates, reverse=True)
    assert items[1]["date"] > items[0]["date"]  # the pinned post is older than the head
    assert len({p["id"] for p in items}) == len(items) == len(world.posts(group.id))
    second = vk(server, "wall.get", owner_id=-group.id, offset=3, count=2)["response"]["items"]
    assert [p["id"] for p in second] == [p["id"] for p in items[3:5]]


def test_wall_get_count_is_capped_at_100(serve):
    world = World(seed=2, n_groups=1, n_closed=0, n_private=0, n_deleted=0, n_banned=0,
                  days=30, posts_per_day=10)
    server = serve(world)
    response = vk(server, "wall.get", owner_id=-world.group_ids()[0], count=150)["response"]
    assert response["count"] > 150 and len(response["items"]) == 100
    assert len(vk(server, "wall.get", owner_id=-world.group_ids()[0])["response"]["items"]) == 20


def test_closed_private_and_deleted_walls_refuse(server, world):
    expected = {"closed": 15, "private": 30, "deleted": 18}
    for kind, code in expected.items():
        gid = world.group_ids(kind)[0]
        assert error_code(vk(server, "wall.get", owner_id=-gid)) == code
        assert error_code(vk(server, "wall.getComments", owner_id=-gid, post_id=1)) == code


def test_comments_closed_answers_212(server, world):
    gid, post = next((g.id, p) for g in world._groups for p in g.posts if p.comments_closed)
    body = vk(server, "wall.getComments", owner_id=-gid, post_id=post.id)
    assert error_code(body) == 212
    assert world.comments(gid, post.id) == []


def test_get_comments_parameters_follow_vk(server, world):
    gid, pid = _hottest_post(world)
    truth = world.comments(gid, pid)
    tops = [c for c in truth if not c["parents_stack"]]
    default = vk(server, "wall.getComments", owner_id=-gid, post_id=pid)["response"]
    assert len(default["items"]) == 10  # VK's default count
    assert default["count"] == len(truth) and default["current_level_count"] == len(tops)
    assert "likes" not in default["items"][0]
    long = next(c for c in tops if len(c.get("text", "")) > 90)
    at = tops.index(long)
    cut = vk(server, "wall.getComments", owner_id=-gid, post_id=pid, offset=at, count=1)
    full = vk(server, "wall.getComments", owner_id=-gid, post_id=pid, offset=at, count=1,
              preview_length=0, need_likes=1)
    assert cut["response"]["items"][0]["text"] == long["text"][:90]
    assert full["response"]["items"][0]["text"] == long["text"]
    assert full["response"]["items"][0]["likes"] == long["likes"]
    many = vk(server, "wall.getComments", owner_id=-gid, post_id=pid, count=500,
              thread_items_count=3)["response"]["items"]
    assert len(many) == 100
    assert all(len(c["thread"]["items"]) == min(3, c["thread"]["count"]) for c in many)
    busy = max(tops, key=lambda c: c["thread"]["count"])
    branch = vk(server, "wall.getComments", owner_id=-gid, post_id=pid, comment_id=busy["id"],
                count=100, sort="desc")["response"]
    replies = [c["id"] for c in truth if c["parents_stack"] == [busy["id"]]]
    assert branch["count"] == len(replies)
    assert [c["id"] for c in branch["items"]] == replies[::-1][:100]
    start = tops[20]["id"]
    resumed = vk(server, "wall.getComments", owner_id=-gid, post_id=pid,
                 start_comment_id=start, offset=-2, count=5)["response"]["items"]
    assert [c["id"] for c in resumed] == [c["id"] for c in tops[18:23]]


def test_groups_get_by_id_shapes_and_limits(server, world):
    groups = world.groups()
    refs = [groups[0]["screen_name"], str(groups[1]["id"]), f"club{groups[2]['id']}", "nobody_x"]
    new = vk(server, "groups.getById", group_ids=",".join(refs), fields="members_count")
    assert [g["id"] for g in new["response"]["groups"]] == [g["id"] for g in groups[:3]]
    assert new["response"]["profiles"] == []
    assert "members_count" in new["response"]["groups"][0] or new["response"]["groups"][0].get(
        "deactivated")
    old = vk(server, "groups.getById", v="5.131", group_ids=",".join(refs))
    assert [g["id"] for g in old["response"]] == [g["id"] for g in groups[:3]]
    assert error_code(vk(server, "groups.getById", group_ids="nobody_x,nobody_y")) == 100
    too_many = ",".join(str(i) for i in range(501))
    assert error_code(vk(server, "groups.getById", group_ids=too_many)) == 100


def test_resolve_screen_name_and_wall_get_by_id(server, world):
    group = world.groups()[0]
    found = vk(server, "utils.resolveScreenName", screen_name=group["screen_name"])
    assert found["response"] == {"object_id": group["id"], "type": "group"}
    assert vk(server, "utils.resolveScreenName", screen_name="nobody_x")["response"] == []
    gid = world.group_ids("open")[0]
    posts = world.posts(gid)[:3]
    refs = ",".join(f"{-gid}_{p['id']}" for p in posts) + f",{-gid}_999999999"
    assert vk(server, "wall.getById", posts=refs)["response"]["items"] == posts


def test_execute_runs_up_to_25_calls_and_reports_failing_ones(server, world):
    gid = world.group_ids("open")[0]
    closed = world.group_ids("closed")[0]
    ok = f'API.wall.get({{"owner_id": {-gid}, "count": 1}})'
    bad = f'API.wall.get({{"owner_id": {-closed}, "count": 1}})'
    body = vk(server, "execute", code=f"return [{ok}, {bad}, {ok}];")
    assert body["response"][0]["items"] == body["response"][2]["items"]
    assert body["response"][1] is False
    assert body["execute_errors"] == [
        {"method": "wall.get", "error_code": 15, "error_msg": body["execute_errors"][0]["error_msg"]}
    ]
    all_bad = vk(server, "execute", code=f"return [{bad},{bad}];")
    assert all_bad["response"] is None and len(all_bad["execute_errors"]) == 2
    single = vk(server, "execute", code=f"return {ok};")
    assert single["response"]["count"] == len(world.posts(gid))
    assert len(vk(server, "execute", code="return [" + ",".join([ok] * 25) + "];")["response"]) == 25
    assert error_code(vk(server, "execute", code="return [" + ",".join([ok] * 26) + "];")) == 13
    assert error_code(vk(server, "execute", code="var a = 1; return a;")) == 12
    assert error_code(vk(server, "execute", code=f"return [{ok}")) == 12


def test_execute_refuses_too_large_responses(serve, world):
    server = serve(world, execute_max_bytes=2000)
    gid = world.group_ids("open")[0]
    call = f'API.wall.get({{"owner_id": {-gid}, "count": 100}})'
    assert error_code(vk(server, "execute", code=f"return [{call},{call}];")) == 13


def test_requests_per_second_per_token_are_enforced(serve, world):
    server = serve(world, tokens=("a", "b"), rps_per_token=2)
    gid = world.group_ids("open")[0]
    codes = [error_code(vk(server, "wall.get", token="a", owner_id=-gid)) for _ in range(3)]
    assert codes == [None, None, 6]
    assert error_code(vk(server, "wall.get", token="b", owner_id=-gid)) is None
    time.sleep(1.05)
    assert error_code(vk(server, "wall.get", token="a", owner_id=-gid)) is None
    assert server.max_requests_in_window("a") == 3
    assert server.counters.errors[6] == 1


def test_daily_quotas_per_method_and_token(serve, world):
    server = serve(world, tokens=("a", "b"), daily_quota={"wall.get": 2})
    gid = world.group_ids("open")[0]
    call = f'API.wall.get({{"owner_id": {-gid}, "count": 1}})'
    assert error_code(vk(server, "wall.get", token="a", owner_id=-gid)) is None
    inner = vk(server, "execute", token="a", code=f"return [{call},{call}];")  # counts too
    assert inner["response"][1] is False and inner["execute_errors"][0]["error_code"] == 29
    assert error_code(vk(server, "wall.get", token="a", owner_id=-gid)) == 29
    assert error_code(vk(server, "wall.get", token="b", owner_id=-gid)) is None
    assert error_code(vk(server, "groups.getById", token="a", group_ids="1")) in (None, 100)
    server.exhaust("b", "groups.getById")
    assert error_code(vk(server, "groups.getById", token="b", group_ids="1")) == 29
    server.reset_quotas()
    assert error_code(vk(server, "wall.get", token="a", owner_id=-gid)) is None
    assert server.quota_used("a", "wall.get") == 1


@pytest.mark.parametrize(
    "kind, check",
    [
        ("error_1", lambda r: r.json()["error"]["error_code"] == 1),
        ("error_6", lambda r: r.json()["error"]["error_code"] == 6),
        ("error_9", lambda r: r.json()["error"]["error_code"] == 9),
        ("error_10", lambda r: r.json()["error"]["error_code"] == 10),
        ("http_500", lambda r: r.status_code == 500),
        ("http_502", lambda r: r.status_code == 502 and "Bad Gateway" in r.text),
    ],
)
def test_injected_faults_look_like_vk_and_proxies(serve, world, kind, check):
    server = serve(world, fault_rate=1.0, fault_kinds=[kind])
    reply = requests.post(f"{server.base_url}/groups.getById",
                          data={"group_ids": "1", "v": "5.199", "access_token": server.token})
    assert check(reply)
    assert server.counters.faults[kind] == 1


def test_slow_and_cut_off_replies(serve, world):
    server = serve(world, fault_rate=1.0, fault_kinds=["slow"], slow_seconds=0.5)
    data = {"screen_name": "x", "v": "5.199", "access_token": server.token}
    with pytest.raises(requests.Timeout):
        requests.post(f"{server.base_url}/utils.resolveScreenName", data=data, timeout=0.2)
    server.set_faults(1.0, ["cutoff"])
    broken = 0
    for _ in range(6):
        try:
            requests.post(f"{server.base_url}/utils.resolveScreenName", data=data).json()
        except (requests.RequestException, ValueError):
            broken += 1
    assert broken == 6
    server.set_faults(0.0)
    assert requests.post(f"{server.base_url}/utils.resolveScreenName", data=data).json() == {
        "response": []}


def test_execute_item_faults_fail_single_sub_calls(serve, world):
    server = serve(world, fault_rate=0.5, fault_kinds=["execute_item"], seed=3)
    gid = world.group_ids("open")[0]
    call = f'API.wall.get({{"owner_id": {-gid}, "count": 1}})'
    body = vk(server, "execute", code="return [" + ",".join([call] * 20) + "];")
    failed = [r for r in body["response"] if r is False]
    assert 0 < len(failed) < 20
    assert [e["error_code"] for e in body["execute_errors"]] == [10] * len(failed)


def test_counters_count_requests_and_calls_inside_execute(server, world):
    gid = world.group_ids("open")[0]
    call = f'API.wall.get({{"owner_id": {-gid}, "count": 1}})'
    vk(server, "execute", code=f"return [{call},{call},{call}];")
    vk(server, "groups.getById", group_ids=str(gid))
    assert server.counters.http_requests == 2
    assert server.counters.method_calls == {"execute": 1, "wall.get": 3, "groups.getById": 1}
    assert len(server.request_times(server.token)) == 2
    server.reset_counters()
    assert server.counters.http_requests == 0 and not server.counters.method_calls


def test_queued_replies_replace_the_next_answer(server, world):
    server.queue_reply("groups.getById", {"response": [{"id": 1, "name": "canned"}]})
    assert vk(server, "groups.getById", group_ids="1")["response"][0]["name"] == "canned"
    assert error_code(vk(server, "groups.getById", group_ids="nobody_x")) == 100


# ------------------------------------------------------------------ mutators
def test_publishing_shifts_offsets_and_adding_comments_is_visible(server, world):
    gid = world.group_ids("open")[0]
    before = vk(server, "wall.get", owner_id=-gid, count=5)["response"]
    new = world.publish_post(gid)
    after = vk(server, "wall.get", owner_id=-gid, count=5)["response"]
    assert after["count"] == before["count"] + 1
    head = 1 if after["items"][0].get("is_pinned") else 0
    assert after["items"][head]["id"] == new["id"]
    assert after["items"][head + 1]["id"] == before["items"][head]["id"]
    post = next(p for p in world.posts(gid) if p["comments"]["can_post"] and p["id"] != new["id"])
    count = world.comment_count(gid, post["id"])
    world.advance(3600)
    added = world.add_comments(gid, post["id"], 5)
    assert world.comment_count(gid, post["id"]) == count + 5
    truth = world.comments(gid, post["id"])
    assert truth[-5:] == added
    assert all(c["date"] == world.now_ts for c in added)
    assert world.posts(gid, since=post["date"], until=post["date"] + 1)[0]["comments"]["count"] == (
        count + 5)


def test_auto_publishing_during_a_crawl(serve):
    world = World(seed=4, n_groups=2, n_closed=0, n_private=0, n_deleted=0, n_banned=0,
                  publish_every_wall_gets=2)
    server = serve(world)
    gid = world.group_ids()[0]
    counts = [vk(server, "wall.get", owner_id=-gid, count=1)["response"]["count"] for _ in range(4)]
    assert counts[1] == counts[0] + 1 and counts[3] == counts[2] + 1
    assert world.posts(gid, since=world.end)  # the new posts are dated after the window


def test_members_count_drifts_a_little_from_day_to_day(world):
    gid = world.group_ids("open")[0]
    counts = []
    for _ in range(10):
        counts.append(world.resolve(str(gid))["members_count"])
        world.advance(timedelta(days=1).total_seconds())
    assert len(set(counts)) >= 8, counts  # daily snapshots show change
    steps = [abs(b - a) / a for a, b in zip(counts, counts[1:])]
    assert max(steps) < 0.01, steps  # a little: under a percent a day


def test_command_line_serves_until_stopped():
    proc = subprocess.Popen(
        [sys.executable, "-m", "vk_standin", "--port", "0", "--seed", "1", "--groups", "5",
         "--days", "3", "--machine-readable"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        env = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(2))
        reply = requests.post(f"{env['VK_API_BASE_URL']}/utils.resolveScreenName",
                              data={"screen_name": "x", "v": "5.199",
                                    "access_token": env["VK_TOKEN"]}, timeout=5)
        assert reply.json() == {"response": []}
        assert env["VK_API_BASE_URL"].startswith("http://127.0.0.1:")
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def _hottest_post(world: World) -> tuple[int, int]:
    return max(((g.id, p.id) for g in world._groups for p in g.posts),
               key=lambda gp: world.comment_count(*gp))
