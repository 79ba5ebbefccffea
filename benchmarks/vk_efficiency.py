"""Benchmark 2: VK requests per 1,000 comments, the project's client against vk_api.VkTools.

Both read every comment (every reply branch) of every readable post of a realistic stand-in
world, and both are checked against the world's ground truth. The project's client goes as the
comments asset does: client.get_comments for 100 posts at a time (up to 25 pages per execute,
across posts). The baseline is how vk_api is commonly used: VkTools.get_all('wall.getComments')
post by post, then once more for each reply branch longer than its preview.

VkTools.get_all sends VKScript with a loop (up to 25 pages per execute) that the stand-in's
VKScript subset does not run. The session's adapter therefore does what VK does with that
script: it sends the stand-in one execute holding the loop's 25 page calls and hands vk_api the
loop's result. HTTP requests are counted at the stand-in, exactly as vk_api sent them; method
calls are those the loop makes before it stops (VK would count these), not the 25 the stand-in
answered.
"""

import json
import re
import time
from datetime import UTC, datetime
from typing import Callable
from urllib.parse import parse_qsl, urlencode

import requests
import vk_api
from requests.adapters import HTTPAdapter

from assets.comments import POSTS_PER_BATCH
from resources.vk import VkApiResource
from vk_standin.server import StandInServer
from vk_standin.world import World

WORLD = dict(seed=7, n_groups=20, start=datetime(2026, 10, 1, tzinfo=UTC), days=30)
PAGE = 100
LOOP_CALLS = 25
VK_API_URL = "https://api.vk.ru/method/"
# vk_api.tools.vk_get_all_items as VkFunction sends it (minified: one line).
_LOOP = re.compile(r"^var params = (?P<params>\{.*?\}),calls = 0,items = \[\],count = (?P<count>null|\d+),"
                   r"offset = (?P<offset>-?\d+),ri;while\(calls < 25\) \{calls = calls \+ 1;"
                   r"params\.offset = offset \* (?P<mul>-?1);var response = API\.(?P<method>[\w.]+)\(params\)"
                   r".*?ri = response\.(?P<key>\w+);")


class StandInAdapter(HTTPAdapter):
    """Sends vk_api's calls to the stand-in; runs VkTools' paging loop as VK would."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.loop_calls = 0

    def send(self, request, **kwargs):
        request.url = request.url.replace(VK_API_URL, self.base_url)
        form = dict(parse_qsl(request.body or ""))
        loop = _LOOP.match(form.get("code", "")) if request.url.endswith("/execute") else None
        if loop is None:
            return super().send(request, **kwargs)
        params = json.loads(loop["params"])
        offset, step = int(loop["offset"]), int(loop["mul"])
        calls = [f"API.{loop['method']}({json.dumps({**params, 'offset': (offset + i * params['count']) * step})})"
                 for i in range(LOOP_CALLS)]
        request.prepare_body(urlencode({**form, "code": f"return [{','.join(calls)}];"}), None)
        response = super().send(request, **kwargs)
        envelope = response.json()
        if "response" in envelope:
            envelope = {"response": self._loop(envelope["response"], loop, offset, params["count"])}
        response._content = json.dumps(envelope).encode()
        return response

    def _loop(self, pages: list, loop: re.Match, offset: int, page_size: int) -> dict:
        """vk_get_all_items from vk_api/tools.py, over pages fetched in advance."""
        count = None if loop["count"] == "null" else int(loop["count"])
        items: list = []
        calls = 0
        for page in pages:
            calls += 1
            if not page:
                return {"_error": 1}
            new_count = page["count"]
            drift = 0 if count is None else new_count - count
            stop = False
            if drift < 0:
                offset += drift
            else:
                found = page[loop["key"]]
                items += found[drift:]
                offset += page_size + drift
                stop = len(found) < page_size
            count = new_count
            if stop or offset >= count:
                self.loop_calls += calls
                return {"count": count, "items": items, "offset": offset, "more": False}
        self.loop_calls += calls
        return {"count": count, "items": items, "offset": offset, "more": True}


def _readable_posts(world: World) -> list[tuple[int, list[int]]]:
    return [(group_id, [post["id"] for post in world.posts(group_id=group_id)
                        if post["comments"]["can_post"]])
            for group_id in world.group_ids("open")]


def _truth(world: World, group_id: int, post_ids: list[int]) -> dict[int, set[int]]:
    return {post_id: {item["id"] for item in world.comments(group_id, post_id)} for post_id in post_ids}


def run(log: Callable[[str], None] = print) -> dict:
    world = World(**WORLD)
    walls = _readable_posts(world)
    truth = {group_id: _truth(world, group_id, post_ids) for group_id, post_ids in walls}
    comments = sum(len(ids) for posts in truth.values() for ids in posts.values())
    with StandInServer(world) as server:
        ours = _project_client(server, walls, truth)
        baseline = _vk_tools(server, walls, truth)
    result = {"comments": comments, "posts": sum(len(p) for _, p in walls),
              "ours": ours, "vk_tools": baseline,
              "requests_ratio": baseline["http_requests"] / ours["http_requests"],
              "calls_ratio": baseline["method_calls"] / ours["method_calls"]}
    for side in ("ours", "vk_tools"):
        for measure in ("http_requests", "method_calls"):
            result[side][f"{measure}_per_1000"] = 1000 * result[side][measure] / comments
    log(f"vk: {comments:,} comments of {result['posts']:,} posts: {ours['http_requests']:,} requests "
        f"(ours) vs {baseline['http_requests']:,} (VkTools)")
    return result


def _project_client(server: StandInServer, walls, truth) -> dict:
    client = VkApiResource(token=server.token, base_url=server.base_url,
                           requests_per_second=1000).get_client()
    server.reset_counters()
    started = time.monotonic()
    for group_id, post_ids in walls:
        for start in range(0, len(post_ids), POSTS_PER_BATCH):
            batch = post_ids[start:start + POSTS_PER_BATCH]
            results = client.get_comments(-group_id, batch)
            for post_id in batch:
                _check(truth, group_id, post_id, {item["id"] for item in results[post_id].items})
    return {"http_requests": server.counters.http_requests,
            "method_calls": sum(server.counters.method_calls.values()),
            "seconds": time.monotonic() - started}


def _vk_tools(server: StandInServer, walls, truth) -> dict:
    adapter = StandInAdapter(server.base_url)
    session = requests.Session()
    session.mount("https://", adapter)
    vk = vk_api.VkApi(token=server.token, session=session, api_version="5.199")
    vk.RPS_DELAY = 0  # VkApi sleeps to 3 requests/s; the count is what matters here
    tools = vk_api.VkTools(vk)
    server.reset_counters()
    started = time.monotonic()
    common = {"need_likes": 1, "preview_length": 0, "thread_items_count": 10, "sort": "asc"}
    for group_id, post_ids in walls:
        for post_id in post_ids:
            found: set[int] = set()
            values = {"owner_id": -group_id, "post_id": post_id, **common}
            for item in tools.get_all("wall.getComments", PAGE, values)["items"]:
                found.add(item["id"])
                thread = item.get("thread") or {}
                found.update(reply["id"] for reply in thread.get("items") or [])
                if thread.get("count", 0) > len(thread.get("items") or []):
                    branch = tools.get_all("wall.getComments", PAGE, {**values, "comment_id": item["id"]})
                    found.update(reply["id"] for reply in branch["items"])
            _check(truth, group_id, post_id, found)
    answered = sum(server.counters.method_calls.values())
    return {"http_requests": server.counters.http_requests,
            "method_calls": answered - server.counters.method_calls["wall.getComments"] + adapter.loop_calls,
            "standin_method_calls": answered,
            "seconds": time.monotonic() - started}


def _check(truth, group_id: int, post_id: int, found: set[int]) -> None:
    if found != truth[group_id][post_id]:
        raise RuntimeError(f"post {post_id} of group {group_id}: {len(found)} comments read, "
                           f"{len(truth[group_id][post_id])} exist")
