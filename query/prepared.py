"""The plan settings of the search statements: generic plans for those whose plan is fixed by
their SQL (made once per connection, where planning every monthly partition anew would cost
more than the answer), custom plans for the rest, and the months tier's statements kept to the
one kind of plan that answers them cheaply. Each block sets its settings and sets back what
they were, in one statement each way (search_plan_settings.sql), pipelined with the queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row

from resources.database import load_sql

# Starting parallel workers takes milliseconds, more than a search reads, and a generic plan's
# estimates (no word known) can make them look worth it.
GENERIC_PLANS = {"plan_cache_mode": "force_generic_plan", "max_parallel_workers_per_gather": "0"}
# An unnamed statement follows plan_cache_mode too.
CUSTOM_PLANS = {"plan_cache_mode": "auto"}
# A walk (search_month_walk.sql) reads its month in a time index's order and stops early: no
# plan that reads and sorts the whole month instead.
WALK_PLANS = {**CUSTOM_PLANS, "enable_sort": "off", "enable_bitmapscan": "off", "enable_seqscan": "off"}
# A month's tail (search_month_window.sql) is read through bitmaps of two indexes together: no
# plain index scan (the walk it replaces) nor sequential scan.
WINDOW_PLANS = {**CUSTOM_PLANS, "enable_indexscan": "off", "enable_seqscan": "off"}


@contextmanager
def generic_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Prepared statements run with generic plans, and no statement in parallel, inside the
    block; the connection's own settings are back afterwards (also after a failed statement)."""
    with conn.pipeline(), plan_settings(conn, GENERIC_PLANS):
        yield


@contextmanager
def custom_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Inside a generic_plans block: statements planned for their parameters again."""
    with plan_settings(conn, CUSTOM_PLANS):
        yield


@contextmanager
def walk_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Inside a generic_plans block: statements planned for their parameters, and only plans
    that read in an index's order (the months tier's walks)."""
    with plan_settings(conn, WALK_PLANS):
        yield


@contextmanager
def window_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Inside a generic_plans block: statements planned for their parameters, and only plans
    that read through bitmaps (a month's tail in the months tier)."""
    with plan_settings(conn, WINDOW_PLANS):
        yield


@contextmanager
def plan_settings(conn: psycopg.Connection, settings: dict[str, str]) -> Iterator[None]:
    """`settings` for the statements inside the block, and what they were after it."""
    # Read by position whatever rows the connection makes.
    before = conn.cursor(row_factory=tuple_row).execute(
        load_sql("search_plan_settings"),
        {"names": list(settings), "values": list(settings.values())})
    try:
        yield
    finally:
        # In a failed transaction the rollback undoes the settings anyway.
        if conn.info.transaction_status != TransactionStatus.INERROR:
            rows = before.fetchall()
            conn.execute(load_sql("search_plan_settings"),
                         {"names": [row[0] for row in rows], "values": [row[1] for row in rows]})
