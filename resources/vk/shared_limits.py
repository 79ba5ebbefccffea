"""Per-token limits in the application database, shared by every process and machine.

Each VK request costs one extra round trip to PostgreSQL (`token_take.sql`), a millisecond or
so against the hundreds VK takes to answer. The slot is reserved on the database's clock, so
machines whose clocks disagree still space their requests on one time line; what each process
waits is the slot minus the database's now. A token's interval (widened after error 6) stays
per process: it is a reaction to what that process saw, while the pause itself is shared.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Mapping

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from resources.database import load_sql
from resources.postgres_server import libpq_url
from resources.vk.limits import Hold, RateLimiter, Taken, TokenKey
from resources.vk.tokens import vk_day

# What the upkeep keeps (forget_spent_limits): the counts of today's VK day and the two before
# it (for a person asking what a token spent), holds for a day after they ended.
USAGE_DAYS_KEPT = 3
HOLDS_KEPT = timedelta(days=1)

# Requests reserve their slots one statement at a time; a few connections serve many lanes.
POOL_SIZE = 3
CHECKOUT_TIMEOUT_SECONDS = 30.0

_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool(url: str) -> ConnectionPool:
    # Apart from the loads' pool: a lane holding a connection for its community's transaction
    # must never leave the next request of another lane without one to reserve its slot.
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = _pools[url] = ConnectionPool(
                libpq_url(url), min_size=0, max_size=POOL_SIZE, timeout=CHECKOUT_TIMEOUT_SECONDS,
                # Not waiting for the disk on commit: a slot is asked for before every request,
                # and a commit queued behind a load's WAL flush held requests up by 100 ms. A
                # server crash may forget the last instants of slots and counts; VK's own error 6
                # and 29 still guard those, and holds are learnt again from them.
                kwargs={"autocommit": True, "row_factory": dict_row,
                        "options": "-c synchronous_commit=off"},
                check=ConnectionPool.check_connection, open=True, name="vk-token-limits",
            )
        return pool


class PostgresLimits:
    """Limits in tables vk.token_pace, vk.token_usage and vk.token_holds (migration 0010)."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url

    def take(self, key: TokenKey, limiter: RateLimiter, calls: Mapping[str, int],
             vk_day: str) -> Taken:
        with _pool(self._url).connection() as conn:
            # After the checkout: a connection being opened must not make the slot look nearer.
            since = time.monotonic()
            row = conn.execute(load_sql("token_take"), {
                **_names(key), "interval": limiter.interval, "vk_day": vk_day,
                "methods": list(calls), "calls": list(calls.values()),
            }).fetchone()
        answered = time.monotonic()
        if row["holds"]:
            return Taken(holds=[Hold(h["method"], h["until"], h["reason"]) for h in row["holds"]])
        return Taken(wait=max(0.0, row["wait_seconds"]), since=since, answered=answered,
                     used=dict(row["used"]))

    def pause(self, key: TokenKey, limiter: RateLimiter, seconds: float) -> None:
        limiter.penalize(seconds)  # this process's pace slows down for a while
        with _pool(self._url).connection() as conn:
            conn.execute(load_sql("token_pause"), {**_names(key), "seconds": seconds})

    def hold(self, key: TokenKey, hold: Hold) -> None:
        with _pool(self._url).connection() as conn:
            conn.execute(load_sql("token_hold"), {
                **_names(key), "method": hold.method, "until": hold.until, "reason": hold.reason,
            })


def _names(key: TokenKey) -> dict:
    return {"endpoint": key.endpoint, "token_fp": key.token_fp}


def forget_spent_limits(conn: psycopg.Connection) -> dict:
    """Deletes the daily counts and holds no request will read again: rows of each, deleted."""
    oldest = vk_day(time.time() - (USAGE_DAYS_KEPT - 1) * 86400)
    return conn.execute(load_sql("token_limits_forget"),
                        {"oldest_day_kept": oldest, "holds_kept": HOLDS_KEPT}).fetchone()
