"""Limits shared across processes through PostgreSQL: measured by the stand-in, server side."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from resources.vk.limits import fingerprint
from vk_standin import World

WORKER = Path(__file__).with_name("token_worker.py")
TOKEN = "vk1.a.Shared-T0ken-of-two-processes"
SPARE = "vk1.a.Spare-T0ken-of-the-same-user"
RATE = 5


@pytest.fixture
def small_world() -> World:
    return World(seed=3, n_groups=2, days=2, posts_per_day=2, n_closed=0, n_private=0,
                 n_deleted=0, n_banned=0)


def run_workers(*jobs: dict) -> list[dict]:
    """The jobs in processes of their own, all starting at the same moment."""
    start_at = time.time() + 1.5  # after both processes have imported the client

    def one(job: dict) -> dict:
        done = subprocess.run([sys.executable, str(WORKER), json.dumps({**job, "start_at": start_at})],
                              capture_output=True, text=True, timeout=120, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(one, jobs))


def job(server, world, tokens, database_url=None, calls=12, **extra) -> dict:
    return {"tokens": tokens, "base_url": server.base_url, "rps": RATE, "calls": calls,
            "owner_id": -world.group_ids()[0], "database_url": database_url, **extra}


def test_two_processes_sharing_a_token_stay_under_its_rate_together(serve, small_world, database):
    server = serve(small_world, tokens=(TOKEN,), rps_per_token=RATE)
    each = job(server, small_world, [TOKEN], database.database_url)
    started = time.monotonic()
    results = run_workers(each, each)
    assert all(r["stopped"] is None for r in results), results
    assert len(server.request_times(TOKEN)) == 24
    assert server.max_requests_in_window(TOKEN) <= RATE
    assert server.counters.errors[6] == 0  # VK never had to say "too many requests"
    assert time.monotonic() - started >= 23 / RATE  # one budget, not two


def test_without_the_shared_store_two_processes_break_the_rate(serve, small_world):
    """The measurement above can fail: limits kept per process add up to twice the rate."""
    server = serve(small_world, tokens=(TOKEN,), rps_per_token=RATE)
    each = job(server, small_world, [TOKEN])
    run_workers(each, each)
    assert server.max_requests_in_window(TOKEN) > RATE


def test_a_token_exhausted_in_one_process_is_not_used_by_another_until_its_reset(
        serve, small_world, database, db):
    server = serve(small_world, tokens=(TOKEN, SPARE))
    server.exhaust(TOKEN, "wall.get")
    rest = 600.0
    [first] = run_workers(job(server, small_world, [TOKEN], database.database_url, calls=1,
                              quota_rest_seconds=rest))
    assert first["stopped"]["code"] == 29 and first["errors"] == {"29": 1}
    held = db.execute("SELECT token_fp, method FROM vk.token_holds").fetchall()
    assert held == [{"token_fp": fingerprint(TOKEN, 64), "method": "wall.get"}]
    assert TOKEN not in json.dumps(db.execute("SELECT * FROM vk.token_holds").fetchall(), default=str)

    server.reset_counters()
    [second] = run_workers(job(server, small_world, [TOKEN, SPARE], database.database_url, calls=6))
    assert second["stopped"] is None and second["errors"] == {}
    assert server.request_times(TOKEN) == []  # the other process's 29 was enough
    assert len(server.request_times(SPARE)) == 6

    # VK's daily reset: the stand-in's quotas refill and the recorded rest reaches its end.
    server.reset_quotas()
    db.execute("UPDATE vk.token_holds SET until = now()")
    server.reset_counters()
    [third] = run_workers(job(server, small_world, [TOKEN, SPARE], database.database_url, calls=6))
    assert third["stopped"] is None and len(server.request_times(TOKEN)) >= 1


def test_a_token_rejected_in_one_process_is_dropped_in_another(serve, small_world, database):
    server = serve(small_world, tokens=(SPARE,))  # TOKEN is unknown to it: error 5
    [first] = run_workers(job(server, small_world, [TOKEN], database.database_url, calls=1))
    assert first["stopped"]["class"] == "VkTokensRejected"
    assert "transport error" not in first["stopped"]["text"]
    assert f"token #1 (sha256 {fingerprint(TOKEN)})" in first["stopped"]["text"]
    server.reset_counters()
    [second] = run_workers(job(server, small_world, [TOKEN, SPARE], database.database_url, calls=4))
    assert second["stopped"] is None
    assert server.request_times(TOKEN) == [] and len(server.request_times(SPARE)) == 4


def test_a_slot_answered_late_is_not_taken_early(database, db):
    """The store's answer can be held up before the slot is computed (a take waiting on the row
    lock of another's commit stuck behind the disk). Counted from the asking, the wait would end
    that long before the slot: at one request a second, two inside one second."""
    import logging
    import threading

    from resources.vk.shared_limits import PostgresLimits
    from resources.vk.tokens import TokenPool

    pool = TokenPool([TOKEN], base_url="http://vk.invalid", requests_per_second=1,
                     quota_rest_seconds=None, rejected_token_hold_seconds=60,
                     logger=logging.getLogger("test"), limits=PostgresLimits(database.database_url))
    pool.acquire(["wall.get"])
    sent = [time.monotonic()]
    locked, stall = threading.Event(), 0.3

    def hold_the_pace_row() -> None:
        with psycopg.connect(database.database_url) as conn, conn.transaction():
            conn.execute("SELECT FROM vk.token_pace WHERE token_fp = %s FOR UPDATE",
                         [fingerprint(TOKEN, 64)])
            locked.set()
            time.sleep(stall)

    holder = threading.Thread(target=hold_the_pace_row)
    holder.start()
    assert locked.wait(5)
    asked = time.monotonic()
    pool.acquire(["wall.get"])
    sent.append(time.monotonic())
    holder.join()
    assert sent[1] - asked >= stall  # the stall did happen
    assert sent[1] - sent[0] >= 1.0, sent[1] - sent[0]
