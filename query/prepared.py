"""Generic plans for the search statements whose plan is fixed by their SQL: made once per
connection, where planning every monthly partition anew would cost more than the answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.pq import TransactionStatus

from resources.database import load_sql


@contextmanager
def generic_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Prepared statements run with generic plans, and no statement in parallel, inside the
    block; the connection's own settings are back afterwards (also after a failed statement)."""
    # Pipelined: the SET travels with the first query and the RESET with the last one.
    with conn.pipeline(), _settings(conn, "search_generic_plans", "search_default_plans"):
        yield


@contextmanager
def custom_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Inside a generic_plans block: statements planned for their parameters again (an unnamed
    statement follows plan_cache_mode too)."""
    with _settings(conn, "search_custom_plans", "search_generic_plans"):
        yield


@contextmanager
def walk_plans(conn: psycopg.Connection) -> Iterator[None]:
    """Inside a generic_plans block: statements planned for their parameters, and only plans
    that read in an index's order (the months tier's walks)."""
    with _settings(conn, "search_custom_plans", "search_generic_plans"), \
            _settings(conn, "search_walk_plans", "search_walk_plans_reset"):
        yield


@contextmanager
def _settings(conn: psycopg.Connection, into: str, back: str) -> Iterator[None]:
    conn.execute(load_sql(into))
    try:
        yield
    finally:
        # In a failed transaction the rollback undoes the SET anyway.
        if conn.info.transaction_status != TransactionStatus.INERROR:
            conn.execute(load_sql(back))
