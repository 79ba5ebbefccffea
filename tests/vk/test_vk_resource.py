"""The Dagster resource: configuration, and the token kept out of everything Dagster records."""

# No `from __future__ import annotations`: Dagster reads the asset's annotations at runtime.
from datetime import datetime, timezone

import dagster as dg
import pytest

from resources.vk import VkApiResource
from resources.vk.client import VkClient
from resources.vk.errors import VkConfigError

SECRET = "vk1.a.Resource-S3cret-token-value"


def test_defaults_follow_the_reference():
    resource = VkApiResource(token=SECRET)
    assert resource.base_url == "https://api.vk.ru/method"
    assert resource.api_version == "5.199"
    assert resource.requests_per_second == 3.0
    assert resource.timeout_seconds == 10.0 and resource.max_retries == 6


def test_the_token_is_not_shown(server):
    resource = VkApiResource(token=f"{SECRET},{SECRET}2", base_url=server.base_url)
    client = resource.get_client()
    assert isinstance(client, VkClient)
    with pytest.raises(VkConfigError) as caught:  # the stand-in knows neither token
        client.call("utils.resolveScreenName", screen_name="x")
    for text in (repr(resource), str(resource), repr(client), str(caught.value),
                 str(client.stats.snapshot())):
        assert SECRET not in text
    assert "token='***'" in repr(resource)
    assert "token #1 (sha256 " in str(caught.value) and "token #2 (sha256 " in str(caught.value)


def test_each_client_counts_its_own_calls(server, world):
    resource = VkApiResource(token=server.token, base_url=server.base_url,
                             requests_per_second=100)
    first, second = resource.get_client(), resource.get_client()
    first.get_groups([str(world.group_ids()[0])])
    assert first.stats.http_requests == 1 and second.stats.http_requests == 0


def _comments_asset():
    @dg.asset
    def vk_comments(context: dg.AssetExecutionContext, vk: VkApiResource) -> dg.MaterializeResult:
        client = vk.get_client()
        gid = context.run.tags["group_id"]
        posts = list(client.iter_wall(-int(gid), *_window(context)))
        results = client.get_comments(-int(gid), [p["id"] for p in posts])
        stats = client.stats.snapshot()
        return dg.MaterializeResult(metadata={
            "posts": len(posts),
            "comments": sum(len(r.items) for r in results.values()),
            "vk_http_requests": stats["http_requests"],
            "vk_method_calls": dg.MetadataValue.json(stats["method_calls"]),
        })

    return vk_comments


def _window(context):
    return (datetime.fromtimestamp(int(context.run.tags["since"]), timezone.utc),
            datetime.fromtimestamp(int(context.run.tags["until"]), timezone.utc))


def _run(server, world, monkeypatch, token: str):
    monkeypatch.setenv("VK_TOKEN", token)
    gid = world.group_ids("open")[0]
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [_comments_asset()],
        resources={"vk": VkApiResource(token=dg.EnvVar("VK_TOKEN"), base_url=server.base_url,
                                       requests_per_second=100, backoff_base_seconds=0.01)},
        instance=instance,
        tags={"group_id": str(gid), "since": str(world.start_ts), "until": str(world.end_ts)},
        raise_on_error=False,
    )
    records = instance.all_logs(result.run_id)
    everything = repr(records) + repr(instance.get_run_by_id(result.run_id))
    return result, gid, everything


def test_a_run_records_usage_but_never_the_token(serve, world, monkeypatch):
    server = serve(world, tokens=(SECRET,))
    result, gid, everything = _run(server, world, monkeypatch, SECRET)
    assert result.success
    metadata = result.asset_materializations_for_node("vk_comments")[0].metadata
    posts = world.posts(gid)
    assert metadata["posts"].value == len(posts)
    assert metadata["comments"].value == sum(
        len(world.comments(gid, p["id"])) for p in posts)
    assert metadata["vk_http_requests"].value == server.counters.http_requests
    assert SECRET not in everything


def test_a_run_with_a_wrong_token_fails_clearly_without_the_token(serve, world, monkeypatch):
    server = serve(world)  # accepts only its own token
    result, _, everything = _run(server, world, monkeypatch, SECRET)
    assert not result.success
    assert "no usable VK token left" in everything and "token #1 (sha256 " in everything
    assert SECRET not in everything
    assert server.counters.http_requests == 1


def test_a_missing_token_is_a_config_error():
    with pytest.raises(VkConfigError):
        VkApiResource(token="").get_client()
