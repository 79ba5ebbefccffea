"""Benchmark: N VK tokens give N times the throughput, each within its rate (issue 11).

The same backfill (posts and comments of every community over a week, one run as a backfill
launches it) against the stand-in with its per-token rate limit on (3 requests/s, user tokens)
and VK-like latency, with 1, 2 and 4 tokens, each on an emptied database. Throughput is VK
requests per second over the load, first request to last as the stand-in saw them (Dagster's
start of a run is not the tokens' work); wall time is the whole run. The stand-in measures each
token's rate itself; the loaded rows are compared with the world's ground truth.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from typing import Callable

import psycopg

from benchmarks.databases import fresh_database
from vk_standin.latency import VK_LIKE
from vk_standin.server import StandInServer
from vk_standin.world import World

RATE = 3.0  # a user token's requests per second
TOKEN_COUNTS = (1, 2, 4)
# Midnight in Moscow, where the day partitions live; a month of 24 communities: ~250 requests,
# 90 s with one token, so the three loads take about three minutes.
WORLD = dict(seed=29, n_groups=24, start=datetime(2026, 9, 30, 21, 0, tzinfo=UTC), days=30,
             posts_per_day=4.0, mean_comments=12.0, max_comments=600, hot_post_share=0.0)
FIRST_DAY, LAST_DAY = "2026-10-01", "2026-10-30"
THROUGHPUT_DATABASE = "vk_benchmark_throughput"
TARGET_ONE = 0.9  # of one token's rate
TARGET_SCALING = 0.8  # of N times one token's throughput


def run(server_url: str, log: Callable[[str], None] = print) -> dict:
    world = World(**WORLD)
    truth = _truth(world)
    runs = []
    for count in TOKEN_COUNTS:
        tokens = [f"vk1.a.benchmark-user-token-{i}" for i in range(1, count + 1)]
        url = fresh_database(server_url, THROUGHPUT_DATABASE)  # nothing left of the last load
        with _StandInProcess(tokens) as server:
            figures = _load(url, server, tokens, world)
        figures["exact"] = figures.pop("loaded") == truth
        runs.append(figures)
        log(f"throughput: {count} token(s): {figures['requests']} requests in "
            f"{figures['load_seconds']:.1f} s = {figures['requests_per_second']:.2f}/s "
            f"(wall {figures['wall_seconds']:.1f} s), most in one second per token "
            f"{figures['max_per_second_per_token']}, exact {figures['exact']}")
    one = runs[0]["requests_per_second"]
    for figures in runs:
        n = figures["tokens"]
        figures["scaling"] = figures["requests_per_second"] / (n * one)
        figures["within_rate"] = max(figures["max_per_second_per_token"]) <= RATE
    return {
        "rate_per_token": RATE, "latency": VK_LIKE.__dict__, "world": {
            **{k: v for k, v in WORLD.items() if k != "start"}, "start": WORLD["start"].isoformat(),
            "posts": len(truth[0]), "comments": len(truth[1])},
        "runs": runs,
        "one_token_share_of_rate": one / RATE,
        "targets_met": one / RATE >= TARGET_ONE
        and all(f["scaling"] >= TARGET_SCALING and f["within_rate"] and f["exact"] for f in runs),
    }


class _StandInProcess:
    """The stand-in in a process of its own, as VK is on machines of its own: its clock and
    threads, which measure each token's rate, do not share the loader's interpreter."""

    def __init__(self, tokens: list[str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(tokens, child), daemon=True)

    def __enter__(self) -> "_StandInProcess":
        self._process.start()
        self.base_url = self._conn.recv()
        return self

    def ask(self, command: str):
        self._conn.send(command)
        return self._conn.recv()

    def __exit__(self, *exc) -> None:
        self.ask("stop")
        self._process.join(10)


def _serve(tokens: list[str], conn) -> None:
    with StandInServer(World(**WORLD), tokens=tokens, rps_per_token=RATE, latency=VK_LIKE) as server:
        conn.send(server.base_url)
        while (command := conn.recv()) != "stop":
            if command == "reset":
                server.reset_counters()
                conn.send(None)
            else:
                conn.send({
                    "times": [t for token in tokens for t in server.request_times(token)],
                    "by_token": [len(server.request_times(t)) for t in tokens],
                    "max_in_second": [server.max_requests_in_window(t) for t in tokens],
                    "tightest": [_tightest(server.request_times(t)) for t in tokens],
                    "method_calls": sum(server.counters.method_calls.values()),
                    "errors": {str(code): n for code, n in server.counters.errors.items()},
                })
    conn.send(None)


def _tightest(times: list[float]) -> dict:
    """The shortest span of RATE + 1 consecutive requests of a token, and its gaps: under a
    second, the one request too many; which gap is short tells a late start from a crowded end."""
    n = int(RATE)
    if len(times) <= n:
        return {}
    start = min(range(len(times) - n), key=lambda k: times[k + n] - times[k])
    window = times[start:start + n + 1]
    return {"span": round(window[-1] - window[0], 4),
            "gaps": [round(b - a, 4) for a, b in zip(window, window[1:])]}


def _load(url: str, server: _StandInProcess, tokens: list[str], world: World) -> dict:
    from dagster import DagsterInstance, materialize

    from assets.comments import comments
    from assets.groups import groups
    from assets.partitions import range_tags
    from assets.posts import posts
    from resources.database import PostgresResource
    from resources.vk import VkApiResource

    resources = {"database": PostgresResource(database_url=url),
                 "vk": VkApiResource(token=",".join(tokens), base_url=server.base_url,
                                     requests_per_second=RATE)}
    instance = DagsterInstance.ephemeral()
    references = [str(group_id) for group_id in world.group_ids()]
    materialize([groups], resources=resources, instance=instance,
                run_config={"ops": {"groups": {"config": {"references": references}}}})
    server.ask("reset")
    started = time.monotonic()
    result = materialize([posts, comments], resources=resources, instance=instance,
                         tags=range_tags(FIRST_DAY, LAST_DAY), raise_on_error=False)
    wall = time.monotonic() - started
    served = server.ask("report")
    times = sorted(served["times"])
    span = times[-1] - times[0]
    with psycopg.connect(url) as conn:
        loaded = (
            set(conn.execute("SELECT group_id, post_id FROM vk.posts WHERE NOT is_deleted_on_vk")),
            set(conn.execute("SELECT group_id, comment_id FROM vk.comments")),
        )
    return {
        "tokens": len(tokens), "success": result.success, "requests": len(times),
        "method_calls": served["method_calls"],
        "load_seconds": round(span, 2), "wall_seconds": round(wall, 2),
        "requests_per_second": round((len(times) - 1) / span, 3),
        "requests_by_token": served["by_token"],
        "max_per_second_per_token": served["max_in_second"],
        "tightest_per_token": served["tightest"],
        "errors": served["errors"],
        "loaded": loaded,
    }


def _truth(world: World) -> tuple[set, set]:
    posts, comments = set(), set()
    for post in world.posts(since=world.start, until=world.end):
        group_id = -post["owner_id"]
        posts.add((group_id, post["id"]))
        comments.update((group_id, item["id"]) for item in world.comments(group_id, post["id"]))
    return posts, comments


def summary_lines(figures: dict) -> list[str]:
    """The README's lines: one row per token count."""
    lines = ["| tokens | VK requests | load time | requests/s | x one token's | most in 1 s per token | rows exact |",
             "|---|---|---|---|---|---|---|"]
    for f in figures["runs"]:
        lines.append(f"| {f['tokens']} | {f['requests']} | {f['load_seconds']:.1f} s (wall "
                     f"{f['wall_seconds']:.1f} s) | {f['requests_per_second']:.2f} | "
                     f"{f['scaling'] * f['tokens']:.2f} | {max(f['max_per_second_per_token'])} "
                     f"of {figures['rate_per_token']:g} | {'yes' if f['exact'] else 'NO'} |")
    return lines


if __name__ == "__main__":
    from resources.postgres_server import embedded_server_url

    print(run(embedded_server_url()))
