"""Service tokens: VK runs no `execute` for them; the client sends them one method per request."""

from __future__ import annotations

import logging

import pytest

from resources.vk.errors import VkConfigError
from vk_standin import World

SERVICE = "vk1.a.Service-key-of-the-app"
USER = "vk1.a.User-T0ken"


@pytest.fixture
def small_world() -> World:
    return World(seed=21, n_groups=2, days=5, posts_per_day=4, mean_comments=30, max_comments=300,
                 n_closed=0, n_private=0, n_deleted=0, n_banned=0)


def test_the_stand_in_refuses_execute_for_a_service_token_as_vk_does(serve, small_world, make_client):
    server = serve(small_world, tokens=(), service_tokens=(SERVICE,))
    client = make_client(server, token=SERVICE)
    with pytest.raises(VkConfigError) as caught:
        client.call("execute", code="return 1;")
    assert caught.value.code == 28  # found out once, then no token left that runs execute
    assert server.counters.errors[28] == 1
    assert client.stats.errors == {"28": 1}
    gid = small_world.group_ids()[0]
    assert client.call("wall.get", owner_id=-gid, count=1)["count"] > 0  # the token works


def test_comments_with_a_service_token_take_one_method_per_request(serve, small_world, make_client,
                                                                  caplog):
    server = serve(small_world, tokens=(), service_tokens=(SERVICE,))
    client = make_client(server, token=SERVICE)
    with caplog.at_level(logging.INFO):
        for gid in small_world.group_ids():
            posts = [p["id"] for p in small_world.posts(gid)]
            results = client.get_comments(-gid, posts)
            assert all(results[p].items == small_world.comments(gid, p) for p in posts)
    served = server.counters
    assert served.errors[28] == 1  # the one execute that found it out
    assert set(served.errors) <= {28, 212}  # 212: posts whose comments are closed
    assert served.method_calls["execute"] == 0
    assert served.http_requests - 1 == served.method_calls["wall.getComments"]
    assert "is a service token" in caplog.text and SERVICE not in caplog.text


def test_a_user_token_beside_a_service_token_still_batches(serve, small_world, make_client):
    server = serve(small_world, tokens=(USER,), service_tokens=(SERVICE,))
    client = make_client(server, token=[SERVICE, USER])
    for gid in small_world.group_ids():
        posts = [p["id"] for p in small_world.posts(gid)]
        results = client.get_comments(-gid, posts)
        assert all(results[p].items == small_world.comments(gid, p) for p in posts)
    assert server.counters.method_calls["execute"] >= 1  # the user token's batches
    assert len(server.request_times(SERVICE)) >= 2  # the service token kept working, singly
