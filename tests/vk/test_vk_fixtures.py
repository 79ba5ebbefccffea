"""Genuine recorded VK responses go through the same parsing as the stand-in's replies:
first straight into the parsers, then over HTTP through the client's own request path."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from resources.vk.errors import VkRetryLater, VkSkipItem, VkSkipOwner, unwrap, unwrap_execute
from resources.vk.shapes import parse_comments_page, parse_wall_page

PRIVATE = "lucasintel-vkscraper_private_profile.json"
EXECUTE_ERRORS = "vknet-vk_ExecuteErrors.json"
COMMENTS = "vknet-vk_GetComments_ReturnLikesAndAttachments.json"
WALL = "vknet-vk_Get_Geo_NormalCase.json"


def test_error_30_envelope_is_skip_owner(vk_fixture):
    with pytest.raises(VkSkipOwner) as caught:
        unwrap(vk_fixture(PRIVATE), "video.get")
    error = caught.value
    assert error.code == 30 and error.message == "This profile is private"
    assert error.request_params == {
        "v": "5.131", "owner_id": "112", "count": "1", "extended": "1", "method": "video.get",
        "oauth": "1",
    }
    assert str(error) == "VK video.get: error 30: This profile is private"


def test_error_30_over_http_skips_the_wall(server, client, vk_fixture):
    server.queue_reply("wall.get", vk_fixture(PRIVATE))
    with pytest.raises(VkSkipOwner) as caught:
        list(client.iter_wall(112, datetime(2020, 1, 1, tzinfo=timezone.utc),
                              datetime(2021, 1, 1, tzinfo=timezone.utc)))
    assert caught.value.code == 30 and caught.value.method == "wall.get"
    assert client.stats.retries == 0


def test_execute_errors_become_typed_errors_per_slot(vk_fixture):
    methods = ["messages.removeChatUser", "messages.removeChatUser"]
    first, second = unwrap_execute(vk_fixture(EXECUTE_ERRORS), methods)
    assert isinstance(first, VkRetryLater) and first.code == 1
    assert first.message == "Unknown error occured"  # VK's own spelling
    assert isinstance(second, VkSkipItem) and second.code == 935
    assert second.method == "messages.removeChatUser"
    assert "User not found in chat" in str(second)


def test_execute_errors_over_http(server, make_client, vk_fixture):
    # The first answer is the recording; the retry of the transient slot gets it again.
    server.queue_reply("execute", vk_fixture(EXECUTE_ERRORS), times=2)
    client = make_client(server, max_retries=1)
    first, second = client.execute([
        ("messages.removeChatUser", {"chat_id": 1, "user_id": 2}),
        ("messages.removeChatUser", {"chat_id": 1, "user_id": 3}),
    ])
    assert isinstance(first, VkRetryLater) and first.code == 1
    assert isinstance(second, VkSkipItem) and second.code == 935
    assert server.counters.http_requests == 2 and client.stats.retries == 1


def test_get_comments_recording_parses(vk_fixture):
    page = parse_comments_page(unwrap(vk_fixture(COMMENTS), "wall.getComments"))
    assert page.count == 2 and [c["id"] for c in page.items] == [3809, 3810]
    assert page.items[0]["likes"] == {"count": 1}
    assert page.items[1]["attachments"][0]["photo"]["id"] == 315467755
    assert page.items[0]["text"].startswith("Поздравляю вас!!!")


def test_get_comments_recording_over_http(server, client, vk_fixture):
    recording = vk_fixture(COMMENTS)
    server.queue_reply("wall.getComments", recording)
    result = client.get_comments(-1, [42])[42]
    assert result.error is None
    assert result.items == recording["response"]["items"]  # old shape: no post_id, no thread
    assert server.counters.http_requests == 1


def test_wall_get_recording_parses_in_the_old_shape(vk_fixture):
    page = parse_wall_page(unwrap(vk_fixture(WALL), "wall.get"))
    assert page.count == 165 and len(page.items) == 1
    post = page.items[0]
    assert post["id"] == 1164 and post["copy_history"][0]["attachments"][0]["type"] == "poll"
    assert post["copy_history"][0]["geo"]["place"]["city"] == "Rostov-na-Donu"
    assert page.chronological == [post]


def test_wall_get_recording_over_http(server, client, vk_fixture):
    server.queue_reply("wall.get", vk_fixture(WALL))
    since = datetime(2014, 4, 19, tzinfo=timezone.utc)
    posts = list(client.iter_wall(1563369, since, datetime(2014, 4, 20, tzinfo=timezone.utc)))
    assert [p["id"] for p in posts] == [1164]
    assert posts[0]["copy_history"][0]["text"].endswith("#храм")
