"""Shared fixtures: a real PostgreSQL server (DATABASE_URL's, or the embedded one) and a real
Dagster instance stored in it. Every test session gets throwaway databases of its own."""

from __future__ import annotations

import os

# Dagster re-runs a failed VK step after a pause; tests must not sit through real pauses. Set
# before the project is imported: resources.settings reads it once.
os.environ.setdefault("VK_RUN_RETRY_DELAY_SECONDS", "0.1")

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterInstance
from psycopg.rows import dict_row

from tests.instances import dagster_instance_in
from resources.database import PostgresResource, upgrade_schema
from resources.postgres_server import (
    drop_database,
    embedded_server_url,
    ensure_database,
    libpq_url,
    with_database,
)


def _unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """Admin URL of the server under test; the databases tests make are dropped afterwards."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return with_database(libpq_url(configured), "postgres", driver="postgresql")
    return embedded_server_url()


@pytest.fixture
def empty_database(pg_server_url: str) -> Iterator[str]:
    name = _unique_name("vk_test_empty")
    url = ensure_database(pg_server_url, name)
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
def migrated_database(pg_server_url: str) -> Iterator[str]:
    name = _unique_name("vk_test")
    url = ensure_database(pg_server_url, name)
    upgrade_schema(url)
    yield url
    drop_database(pg_server_url, name)


def empty_vk_tables(conn: psycopg.Connection) -> None:
    """Every table of schema vk emptied, as a fresh deployment has them."""
    tables = conn.execute(
        """
        SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', ') AS tables
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'vk' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        """
    ).fetchone()["tables"]
    conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def db(migrated_database: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the migrated test database, its tables emptied first."""
    with psycopg.connect(migrated_database, autocommit=True, row_factory=dict_row) as conn:
        empty_vk_tables(conn)
        yield conn


@pytest.fixture
def database(db: psycopg.Connection, migrated_database: str) -> PostgresResource:
    return PostgresResource(database_url=migrated_database)


@pytest.fixture(scope="session")
def dagster_instance(pg_server_url: str, tmp_path_factory) -> Iterator[DagsterInstance]:
    """A real Dagster instance on PostgreSQL, configured by the repository's dagster.yaml."""
    with dagster_instance_in(pg_server_url, Path(tmp_path_factory.mktemp("dagster_home"))) as (instance, _):
        yield instance


class RowFactory:
    """Minimal valid rows, inserted with plain SQL: tests state only what they are about."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def group(self, group_id: int = 1, **overrides) -> int:
        values = {"group_id": group_id, "name": f"Group {group_id}", "validation_status": "valid",
                  **overrides}
        self._insert("vk.groups", values)
        return group_id

    def post(self, group_id: int, post_id: int, published_at: str, **overrides) -> None:
        values = {"group_id": group_id, "post_id": post_id, "published_at": published_at,
                  "raw": psycopg.types.json.Jsonb({"id": post_id}), **overrides}
        self._insert("vk.posts", values)

    def comment(self, group_id: int, post_id: int, comment_id: int, post_published_at: str,
                published_at: str | None = None, **overrides) -> None:
        values = {"group_id": group_id, "post_id": post_id, "comment_id": comment_id,
                  "post_published_at": post_published_at,
                  "published_at": published_at or post_published_at, "from_id": 100,
                  "text": "hello", "raw": psycopg.types.json.Jsonb({"id": comment_id}), **overrides}
        self._insert("vk.comments", values)

    def _insert(self, table: str, values: dict) -> None:
        columns = ", ".join(values)
        placeholders = ", ".join(f"%({name})s" for name in values)
        self.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)


@pytest.fixture
def rows(db: psycopg.Connection) -> RowFactory:
    return RowFactory(db)


@pytest.fixture(autouse=True)
def fresh_word_statistics(monkeypatch):
    """Search reads the words' statistics once in a while; a test reads its own database's."""
    from query import search

    monkeypatch.setattr(search, "_statistics", {})


@pytest.fixture(autouse=True, scope="session")
def no_internet():
    """No test reaches beyond this machine: name lookups of anything but loopback fail at once
    (the real VK API included), so a stray default URL is an error, not a request."""
    import socket

    real_getaddrinfo = socket.getaddrinfo
    loopback = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in loopback and not str(name).startswith("127."):
            raise OSError(f"tests may not reach {name!r}: only loopback is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = guarded
    yield
    socket.getaddrinfo = real_getaddrinfo
