"""Benchmark 5: peak memory of loading a day partition of comments, as the partition grows.

Each size is a stand-in world of one day loaded into a fresh database: more communities, each
with the same number of posts (over 100, so the asset's batches of 100 posts are full) and the
same distribution of comments per post. The `comments` asset runs in
a process of its own (`python -m benchmarks.memory ...`), after `groups` and `posts`; its peak
resident memory is read from the kernel (VmHWM, reset just before the asset starts), so it is
the loading's own peak, Dagster's imports included. The stand-in serves from this process.
"""

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable

from benchmarks.databases import fresh_database
from vk_standin.server import StandInServer
from vk_standin.world import World

DAY = "2026-03-10"
# Midnight of DAY in Moscow, where the day partitions live.
DAY_START = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
COMMUNITIES = (3, 12, 36)
WORLD = dict(seed=11, start=DAY_START, days=1, posts_per_day=120.0, mean_comments=25.0,
             max_comments=1000, n_closed=0, n_private=0, n_deleted=0, n_banned=0)
MEMORY_DATABASE = "vk_benchmark_memory"


def run(server_url: str | None = None, log: Callable[[str], None] = print) -> dict:
    sizes = []
    for communities in COMMUNITIES:
        world = World(n_groups=communities, **WORLD)
        url = fresh_database(server_url, MEMORY_DATABASE)
        with StandInServer(world) as server:
            started = time.monotonic()
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.memory", url, server.base_url, server.token,
                 ",".join(map(str, world.group_ids("open")))],
                capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
        if child.returncode != 0:
            raise RuntimeError(f"loading a day of {communities} communities failed:\n"
                               f"{child.stderr[-3000:]}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        figures.update(communities=communities, posts=world.total_posts(),
                       seconds=time.monotonic() - started)
        sizes.append(figures)
        log(f"memory: {figures['comments']:,} comments in the day: peak {figures['peak_mib']:.0f} MiB "
            f"(before loading {figures['before_mib']:.0f} MiB)")
    smallest, biggest = sizes[0], sizes[-1]
    return {"sizes": sizes,
            "comments_growth": biggest["comments"] / smallest["comments"],
            "peak_growth": biggest["peak_mib"] / smallest["peak_mib"]}


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _load_day(url: str, base_url: str, token: str, group_ids: list[str]) -> dict:
    from dagster import DagsterInstance, materialize

    from assets.comments import comments
    from assets.groups import groups
    from assets.posts import posts
    from resources.database import PostgresResource
    from resources.vk import VkApiResource

    resources = {"database": PostgresResource(database_url=url),
                 "vk": VkApiResource(token=token, base_url=base_url, requests_per_second=1000)}
    instance = DagsterInstance.ephemeral()
    materialize([groups], resources=resources, instance=instance,
                run_config={"ops": {"groups": {"config": {"references": group_ids}}}})
    materialize([posts], resources=resources, instance=instance, partition_key=DAY)
    before = _status_mib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from here
    result = materialize([comments], resources=resources, instance=instance, partition_key=DAY)
    metadata = result.asset_materializations_for_node("comments")[0].metadata
    return {"comments": metadata["rows_inserted"].value, "before_mib": before,
            "peak_mib": _status_mib("VmHWM")}


if __name__ == "__main__":
    url, base_url, token, ids = sys.argv[1:5]
    print(json.dumps(_load_day(url, base_url, token, ids.split(","))))
