"""The throwaway database the benchmarks work in, and running the SQL scripts they keep."""

from pathlib import Path

import psycopg
from psycopg import ClientCursor

from resources.database import upgrade_schema
from resources.postgres_server import drop_database, embedded_server_url, ensure_database

SQL_DIR = Path(__file__).resolve().parent / "sql"
BENCHMARK_DATABASE = "vk_benchmark"


def fresh_database(server_url: str | None = None, name: str = BENCHMARK_DATABASE) -> str:
    """An empty, migrated database (dropped first if a previous run left one)."""
    server = server_url or embedded_server_url()
    drop_database(server, name)
    url = ensure_database(server, name)
    upgrade_schema(url)
    return url


def drop(server_url: str | None = None, name: str = BENCHMARK_DATABASE) -> None:
    drop_database(server_url or embedded_server_url(), name)


def run_script(conn: psycopg.Connection, name: str, params: dict | None = None) -> None:
    """A multi-statement script from benchmarks/sql. Client-side binding: the server takes
    several statements in one call only without protocol-level parameters. Without `params`
    the text goes as it is (a `%` needs no doubling)."""
    ClientCursor(conn).execute((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), params)


def load_query(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
