"""Another process using VK tokens: `python tests/vk/token_worker.py '<json>'` makes
`calls` wall.get calls (and more with `comments_of`), starting at unix time `start_at`, and
prints what it sent per token and how it ended. The shared-limits tests run two of these."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from resources.vk.client import VkClient  # noqa: E402
from resources.vk.errors import VkError  # noqa: E402
from resources.vk.settings import VkSettings  # noqa: E402


def main(job: dict) -> dict:
    settings = VkSettings(job["tokens"], base_url=job["base_url"],
                          requests_per_second=job["rps"], timeout_seconds=5.0,
                          backoff_base_seconds=0.01, backoff_max_seconds=0.05,
                          rate_limited_pause_seconds=0.2,
                          quota_rest_seconds=job.get("quota_rest_seconds"))
    client = VkClient(settings, limits_database_url=job.get("database_url"))
    time.sleep(max(0.0, job.get("start_at", 0) - time.time()))
    stopped = None
    try:
        for _ in range(job["calls"]):
            client.call("wall.get", owner_id=job["owner_id"], count=1)
    except VkError as error:
        stopped = {"class": type(error).__name__, "code": error.code, "text": str(error)}
    snapshot = client.stats.snapshot()
    return {"requests_by_token": snapshot["requests_by_token"], "errors": snapshot["errors"],
            "stopped": stopped}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
