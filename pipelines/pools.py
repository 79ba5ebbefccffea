"""The `vk_api` pool's limit: one slot per VK token.

Every step that calls VK claims a slot of pool `vk_api`. With one slot, a backfill's month-runs
and the nightly schedule queue behind each other however many tokens there are; with a slot per
token they run side by side. What keeps each token within its requests per second when several
steps use it at once is the VK client's limits, not the pool (the limits shared across processes
are issue 11's token half); the pool bounds how many steps compete for the tokens.

Dagster has no per-pool limit in dagster.yaml (only `concurrency.pools.default_limit`, which
sizes every pool the same); the supported ways are the UI, `dagster instance concurrency set`,
and the instance API this module calls. `make ui` and `make workers` call it at start, so the
limit follows VK_TOKEN; on Kubernetes a post-deploy job runs `python -m pipelines.pools`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import DagsterInstance

from resources.settings import configured_vk_token_count

VK_POOL = "vk_api"


def size_vk_pool(instance: DagsterInstance, tokens: int | None = None) -> int:
    """Set the pool's limit to the number of tokens; returns the limit set."""
    limit = configured_vk_token_count() if tokens is None else tokens
    if limit < 1:
        raise ValueError("the vk_api pool needs at least one slot")
    instance.event_log_storage.set_concurrency_slots(VK_POOL, limit)
    return limit


def size_vk_pool_at_start(env: Mapping[str, str]) -> int:
    """For a command about to start Dagster processes with `env` (the UI, the workers): the
    instance they will use gets the pool sized to the tokens they will use."""
    os.environ.update(env)  # the instance's dagster.yaml and the token count read it
    with DagsterInstance.get() as instance:
        limit = size_vk_pool(instance)
    print(f"pool {VK_POOL}: {limit} slot(s), one per VK token", flush=True)
    return limit


if __name__ == "__main__":
    size_vk_pool_at_start({})
