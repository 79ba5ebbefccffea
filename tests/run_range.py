"""`python -m tests.run_range FIRST LAST`: one run of posts and comments over the days
FIRST..LAST, its run worker this process (what a backfill's month-run is, without a daemon;
`dagster asset materialize --partition-range` refuses assets without a single-run policy).
Exits 0 when the run succeeded."""

from __future__ import annotations

import sys

from dagster import DagsterInstance, execute_job
from dagster._core.definitions.reconstruct import ReconstructableRepository

from assets.partitions import range_tags


def main(first: str, last: str) -> int:
    job = ReconstructableRepository.for_module("pipelines.definitions", "defs").get_reconstructable_job(
        "posts_and_comments")
    with DagsterInstance.get() as instance:
        with execute_job(job, instance=instance, tags=range_tags(first, last)) as result:
            return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
