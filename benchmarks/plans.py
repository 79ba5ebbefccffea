"""EXPLAIN for the named queries as the application runs them: planned for their parameters
(sent unprepared), or with the generic plan a prepared statement gets under
the search's settings (query/prepared.py; PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN))."""

import re

import psycopg
from psycopg import ClientCursor, sql

from query.prepared import GENERIC_PLANS, plan_settings


def explain(conn: psycopg.Connection, query: str, params: dict, *, generic: bool = False,
            options: str = "ANALYZE, BUFFERS") -> list:
    """The EXPLAIN rows of `query` (text with %(name)s placeholders)."""
    if not generic:
        return conn.execute(f"EXPLAIN ({options}) {query}", params, prepare=False).fetchall()
    names: list[str] = []

    def placeholder(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    text = re.sub(r"%\((\w+)\)s", placeholder, query).rstrip().rstrip(";")
    arguments = ", ".join(ClientCursor(conn).mogrify("%s", (params[name],)) for name in names)
    with plan_settings(conn, GENERIC_PLANS):  # as query/prepared.py generic_plans runs them
        conn.execute(sql.SQL("PREPARE generic_plan AS {}").format(sql.SQL(text)))
        try:
            return conn.execute(f"EXPLAIN ({options}) EXECUTE generic_plan({arguments})").fetchall()
        finally:
            conn.execute("DEALLOCATE generic_plan")
