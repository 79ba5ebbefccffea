"""Each kind of VK trouble gets its reaction: retries, skips, stops, token rotation, politeness."""

from __future__ import annotations

import logging
import threading
import time
import traceback

import pytest

from resources.vk.errors import (
    VkConfigError,
    VkError,
    VkQuotaExhausted,
    VkRetryLater,
    VkSkipItem,
    VkSkipOwner,
)
from resources.vk.limits import shared_limiter
from vk_standin import ALL_FAULTS, World

SECRET = "vk1.a.S3cr3t-T0ken-value-that-must-never-leak"
OTHER = "vk1.a.Another-S3cret-token-also-private"


def vk_error(code: int, message: str = "injected") -> dict:
    return {"error": {"error_code": code, "error_msg": message, "request_params": []}}


def ids(items):
    return [item["id"] for item in items]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text and OTHER not in text


def full_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + repr(error.__dict__)


# ------------------------------------------------------------- transient errors
@pytest.mark.parametrize("kind, code", [
    ("error_1", 1), ("error_9", 9), ("error_10", 10), ("http_500", None), ("http_502", None),
    ("cutoff", None),
])
def test_transient_errors_are_retried_then_raised(serve, make_client, world, kind, code):
    server = serve(world, fault_rate=1.0, fault_kinds=[kind])
    client = make_client(server, max_retries=2)
    with pytest.raises(VkRetryLater) as caught:
        client.call("groups.getById", group_ids="1")
    assert caught.value.code == code
    assert "gave up after 2 retries" in str(caught.value)
    assert "groups.getById" in str(caught.value)
    assert server.counters.http_requests == 3 and client.stats.retries == 2


def test_slow_replies_time_out_and_are_retried(serve, make_client, world):
    server = serve(world, fault_rate=1.0, fault_kinds=["slow"], slow_seconds=0.5)
    client = make_client(server, timeout_seconds=0.1, max_retries=1)
    started = time.monotonic()
    with pytest.raises(VkRetryLater) as caught:
        client.call("utils.resolveScreenName", screen_name="x")
    assert "Timeout" in str(caught.value) and caught.value.code is None
    assert time.monotonic() - started < 0.5
    server.set_faults(0.0)
    assert client.call("utils.resolveScreenName", screen_name="x") == []


def test_one_transient_failure_costs_one_retry(server, client, world):
    server.queue_reply("groups.getById", vk_error(10, "Internal server error"))
    gid = world.group_ids("open")[0]
    groups = client.get_groups([str(gid)])
    assert ids(groups) == [gid]
    assert client.stats.retries == 1 and server.counters.http_requests == 2
    assert client.stats.errors == {"10": 1}


def test_flood_control_waits_longer_than_an_ordinary_retry(server, make_client):
    client = make_client(server, backoff_base_seconds=0.02, backoff_max_seconds=1.0)
    server.queue_reply("utils.resolveScreenName", vk_error(10))
    started = time.monotonic()
    client.call("utils.resolveScreenName", screen_name="x")
    ordinary = time.monotonic() - started
    server.queue_reply("utils.resolveScreenName", vk_error(9, "Flood control"))
    started = time.monotonic()
    client.call("utils.resolveScreenName", screen_name="x")
    flood = time.monotonic() - started
    assert ordinary < 0.1 and flood >= 0.02 * 10 * 0.5


def test_too_many_requests_pauses_the_token_and_slows_it_down(server, make_client):
    client = make_client(server, requests_per_second=200, rate_limited_pause_seconds=0.3)
    limiter = shared_limiter(server.base_url, server.token, 200)  # the client's, by design
    server.queue_reply("utils.resolveScreenName", vk_error(6, "Too many requests per second"))
    started = time.monotonic()
    assert client.call("utils.resolveScreenName", screen_name="x") == []
    assert time.monotonic() - started >= 0.3
    assert limiter.interval > limiter.base_interval  # slower for a while
    for _ in range(40):
        client.call("utils.resolveScreenName", screen_name="x")
    assert limiter.interval == pytest.approx(limiter.base_interval)


def test_twenty_percent_faults_still_give_exact_duplicate_free_results(serve, make_client):
    world = World(seed=13, n_groups=5, posts_per_day=4, days=7, hot_post_share=0.03,
                  max_comments=1200)
    server = serve(world, fault_rate=0.2, fault_kinds=ALL_FAULTS, slow_seconds=0.3, seed=5)
    client = make_client(server, timeout_seconds=0.15, max_retries=8)
    groups = world.groups()
    # Batching makes a crawl only a few dozen requests: crawl again until every kind of
    # fault has hit at least once, each crawl exact.
    for _ in range(12):
        assert ids(client.get_groups([g["screen_name"] for g in groups])) == ids(groups)
        for gid in world.group_ids("open"):
            posts = list(client.iter_wall(-gid, world.start, world.end))
            assert sorted(ids(posts)) == sorted(ids(world.posts(gid)))
            assert len(set(ids(posts))) == len(posts)
            results = client.get_comments(-gid, ids(posts))
            for post in posts:
                result = results[post["id"]]
                if post["comments"]["can_post"]:
                    assert result.error is None
                    assert result.items == world.comments(gid, post["id"])
                    assert len(set(ids(result.items))) == len(result.items)
                else:
                    assert result.error.code == 212
        if set(server.counters.faults) == set(ALL_FAULTS):
            break
    injected = server.counters.faults
    assert set(injected) == set(ALL_FAULTS), injected
    # Every request-level fault costs one retry; a failed sub-call one more unless its
    # whole reply was lost anyway (slow, cut off).
    assert client.stats.retries >= sum(n for kind, n in injected.items() if kind != "execute_item")


# ----------------------------------------------------------------- skip errors
def test_skip_errors_are_not_retried(server, client, world):
    closed = world.group_ids("private")[0]
    with pytest.raises(VkSkipOwner) as owner:
        client.call("wall.get", owner_id=-closed)
    assert owner.value.code == 30 and "This profile is private" in str(owner.value)
    gid = world.group_ids("open")[0]
    with pytest.raises(VkSkipItem) as item:
        client.call("wall.getComments", owner_id=-gid, post_id=10**9)
    assert item.value.code == 100
    assert item.value.request_params["post_id"] == str(10**9)
    assert server.counters.http_requests == 2 and client.stats.retries == 0


def test_get_comments_records_per_post_errors_and_keeps_the_rest(server, client, world):
    gid = world.group_ids("open")[0]
    posts = ids(world.posts(gid))
    results = client.get_comments(-gid, posts + [10**9])
    assert isinstance(results[10**9].error, VkSkipItem) and results[10**9].error.code == 100
    assert all(results[p].items == world.comments(gid, p) for p in posts)


# ------------------------------------------------------------------ stop errors
def test_a_wrong_token_fails_fast_with_a_clear_message_without_the_token(
    server, make_client, caplog
):
    client = make_client(server, token=SECRET, max_retries=6)
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(VkConfigError) as caught:
        client.get_groups(["1"])
    assert time.monotonic() - started < 1.0
    assert server.counters.http_requests == 1
    message = str(caught.value)
    assert "no usable VK token left" in message and "token #1 (sha256 " in message
    assert "error 5" in message and "invalid access_token" in message
    assert "VK rejected token #1" in caplog.text
    assert_no_secret(message, full_text(caught.value), caplog.text, repr(client))


def test_configuration_and_captcha_errors_stop(server, make_client):
    old = make_client(server, api_version="5.80")
    with pytest.raises(VkConfigError) as version:
        old.call("utils.resolveScreenName", screen_name="x")
    assert version.value.code == 8
    client = make_client(server)
    for code in (14, 17, 27, 7):
        server.queue_reply("utils.resolveScreenName", vk_error(code))
        with pytest.raises(VkConfigError) as caught:
            client.call("utils.resolveScreenName", screen_name="x")
        assert caught.value.code == code
    assert client.stats.retries == 0


def test_quota_exhausted_on_the_only_token_stops(serve, make_client, world):
    server = serve(world, daily_quota={"wall.get": 3})
    client = make_client(server, quota_rest_seconds=3600)
    gid = world.group_ids("open")[0]
    for _ in range(3):
        client.call("wall.get", owner_id=-gid, count=1)
    with pytest.raises(VkQuotaExhausted) as caught:
        client.call("wall.get", owner_id=-gid, count=1)
    assert caught.value.code == 29 and caught.value.retry_at > time.time() + 3500
    assert "daily quota used up on all 1 token(s)" in str(caught.value)
    assert client.call("groups.getById", group_ids=str(gid))  # other methods carry on
    with pytest.raises(VkQuotaExhausted):  # the resting token is not asked again
        client.call("wall.get", owner_id=-gid, count=1)
    assert server.counters.errors[29] == 1


def test_quota_rest_ends_and_the_token_works_again(serve, make_client, world):
    server = serve(world, daily_quota={"wall.get": 1})
    client = make_client(server, quota_rest_seconds=0.3)
    gid = world.group_ids("open")[0]
    client.call("wall.get", owner_id=-gid, count=1)
    with pytest.raises(VkQuotaExhausted):
        client.call("wall.get", owner_id=-gid, count=1)
    server.reset_quotas()  # VK's daily reset
    time.sleep(0.35)
    assert client.call("wall.get", owner_id=-gid, count=1)["count"] > 0


# ----------------------------------------------------------------- token pool
def test_two_tokens_one_exhausted_mid_load_the_other_finishes(serve, make_client, caplog):
    world = World(seed=17, n_groups=3, days=7, posts_per_day=10, comments_closed_share=0,
                  n_closed=0, n_private=0, n_deleted=0, n_banned=0)
    server = serve(world, tokens=(SECRET, OTHER))
    server.set_daily_quota("wall.getComments", 40, token=SECRET)
    client = make_client(server, token=f"{SECRET}, {OTHER}", quota_rest_seconds=3600)
    with caplog.at_level(logging.INFO):
        for gid in world.group_ids():
            posts = ids(world.posts(gid))
            results = client.get_comments(-gid, posts)
            assert all(results[p].items == world.comments(gid, p) for p in posts)
    assert server.quota_used(SECRET, "wall.getComments") == 40
    assert server.quota_used(OTHER, "wall.getComments") > 40
    assert server.counters.errors[29] >= 1
    by_token = client.stats.requests_by_token
    assert len(by_token) == 2 and all(n > 0 for n in by_token.values())
    assert "token #1 (sha256 " in caplog.text and "used up its daily wall.getComments" in caplog.text
    assert_no_secret(caplog.text, repr(client.stats.snapshot()))


def test_both_tokens_exhausted_raises_quota_exhausted(serve, make_client, world):
    server = serve(world, tokens=(SECRET, OTHER))
    server.exhaust(SECRET, "wall.getComments")
    server.exhaust(OTHER, "wall.getComments")
    client = make_client(server, token=[SECRET, OTHER], quota_rest_seconds=3600)
    gid = world.group_ids("open")[0]
    with pytest.raises(VkQuotaExhausted) as caught:
        client.get_comments(-gid, ids(world.posts(gid)))
    assert "all 2 token(s)" in str(caught.value)
    assert_no_secret(full_text(caught.value))


def test_a_rejected_token_is_dropped_and_the_others_carry_on(serve, make_client, world, caplog):
    server = serve(world, tokens=(OTHER,))
    client = make_client(server, token=f"{SECRET},{OTHER}")
    gid = world.group_ids("open")[0]
    with caplog.at_level(logging.INFO):
        posts = list(client.iter_wall(-gid, world.start, world.end))
        results = client.get_comments(-gid, ids(posts))
    assert sorted(ids(posts)) == sorted(ids(world.posts(gid)))
    assert all(results[p["id"]].items == world.comments(gid, p["id"]) for p in posts
               if p["comments"]["can_post"])
    tried_first = {label: n for label, n in client.stats.requests_by_token.items()
                   if label.startswith("token #1 ")}
    assert list(tried_first.values()) == [1]  # dropped at its first rejection
    assert "VK rejected token #1" in caplog.text and "1 token(s) left" in caplog.text
    assert_no_secret(caplog.text)
    server.revoke(OTHER)
    with pytest.raises(VkConfigError) as caught:
        client.call("utils.resolveScreenName", screen_name="x")
    assert "token #1" in str(caught.value) and "token #2" in str(caught.value)
    assert_no_secret(full_text(caught.value))


def test_no_token_configured_is_a_config_error(server, make_client):
    with pytest.raises(VkConfigError, match="no VK token configured"):
        make_client(server, token=" , ")


# ----------------------------------------------------------------- rate limit
def test_the_rate_limit_is_never_exceeded_across_threads(serve, make_client, world):
    rate = 10
    server = serve(world, rps_per_token=rate)
    shared = make_client(server, requests_per_second=rate)
    another = make_client(server, requests_per_second=rate)  # same token, another client
    gid = world.group_ids("open")[0]
    errors: list[BaseException] = []

    def work(client):
        try:
            for _ in range(6):
                client.call("wall.get", owner_id=-gid, count=1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in (shared, shared, another, another)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert not errors
    assert server.counters.http_requests == 24
    assert server.counters.errors[6] == 0
    assert server.max_requests_in_window(server.token) <= rate
    assert elapsed >= (24 - rate) / rate  # the budget was shared, not multiplied


# -------------------------------------------------------------------- execute
def test_execute_keeps_results_of_calls_beside_a_failing_one(server, client, world):
    gid = world.group_ids("open")[0]
    closed = world.group_ids("closed")[0]
    calls = [("wall.get", {"owner_id": -gid, "count": 1}),
             ("wall.get", {"owner_id": -closed, "count": 1}),
             ("utils.resolveScreenName", {"screen_name": "nobody_x"})]
    results = client.execute(calls * 20)
    assert server.counters.http_requests == 3  # 60 calls, 25 per request
    for slot in range(0, 60, 3):
        assert results[slot]["count"] == len(world.posts(gid))
        assert isinstance(results[slot + 1], VkSkipOwner) and results[slot + 1].code == 15
        assert results[slot + 1].method == "wall.get"
        assert results[slot + 2] == []


def test_execute_falls_back_to_smaller_batches_when_vk_refuses_the_batch(
    serve, make_client, world
):
    server = serve(world, execute_max_bytes=30_000)
    client = make_client(server)
    gid = world.group_ids("open")[0]
    calls = [("wall.get", {"owner_id": -gid, "count": 10, "offset": i}) for i in range(25)]
    results = client.execute(calls)
    posts = world.posts(gid)
    assert [r["items"] for r in results] == [
        [p for p in _wall(world, gid)][i: i + 10] for i in range(25)]
    assert server.counters.errors[13] >= 1
    assert len(posts) > 0
    server.queue_reply("execute", vk_error(12, "Unable to compile code"))
    assert client.execute(calls[:2])[1]["items"] == _wall(world, gid)[1:11]


def test_execute_retries_only_the_failed_slots(serve, make_client, world):
    server = serve(world, fault_rate=0.3, fault_kinds=["execute_item"], seed=2)
    client = make_client(server)
    gid = world.group_ids("open")[0]
    wall = _wall(world, gid)
    calls = [("wall.get", {"owner_id": -gid, "count": 1, "offset": i % len(wall)})
             for i in range(25)]
    results = client.execute(calls)
    assert [r["items"][0]["id"] for r in results] == [wall[i % len(wall)]["id"] for i in range(25)]
    failed = server.counters.faults["execute_item"]
    assert failed > 0
    assert server.counters.method_calls["wall.get"] == 25 + failed
    assert client.stats.retries == failed


def test_errors_survive_pickling(server, client, world):
    import pickle

    with pytest.raises(VkSkipOwner) as caught:
        client.call("wall.get", owner_id=-world.group_ids("closed")[0])
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is VkSkipOwner and str(copy) == str(caught.value) and copy.code == 15
    quota = pickle.loads(pickle.dumps(VkQuotaExhausted(29, "m", "wall.get", retry_at=5.0)))
    assert quota.retry_at == 5.0 and isinstance(quota, VkError)


def _wall(world: World, gid: int) -> list[dict]:
    """The wall in wall.get order: the pinned post first, then newest first."""
    posts = world.posts(gid)
    pinned = [p for p in posts if p.get("is_pinned")]
    return pinned + [p for p in posts if not p.get("is_pinned")]
