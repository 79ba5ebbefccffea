"""Access to the application database: the Dagster resource, named SQL files, migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
from dagster import ConfigurableResource, InitResourceContext
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from pydantic import Field

from resources.postgres_server import PROJECT_ROOT, libpq_url, redact, with_database

SQL_DIR = PROJECT_ROOT / "sql"
QUERIES_DIR = SQL_DIR / "queries"
ALEMBIC_INI = SQL_DIR / "alembic.ini"
SCHEMA = "vk"


@cache
def load_sql(name: str) -> str:
    """The text of `sql/queries/<name>.sql`: SQL lives in files, not in Python strings."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def copy_rows(conn: psycopg.Connection, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """COPY rows into `table` (a staging table, as a rule); rows may be a generator, so memory
    stays flat however many there are."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*table.split(".")), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@dataclass
class MergeCounts:
    """What a staged merge did: rows inserted, rows changed, rows already as VK has them."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @classmethod
    def from_upsert(cls, row: dict) -> "MergeCounts":
        return cls(row["inserted"], row["updated"], row["staged"] - row["inserted"] - row["updated"])

    def __add__(self, other: "MergeCounts") -> "MergeCounts":
        return MergeCounts(self.inserted + other.inserted, self.updated + other.updated,
                           self.unchanged + other.unchanged)


def _alembic_config(url: str | None = None):
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(SQL_DIR / "migrations"))
    if url is not None:
        # SQLAlchemy 2 maps plain postgresql:// to psycopg2; the project's code speaks psycopg 3.
        config.attributes["database_url"] = with_database(
            url, _database_name(url), driver="postgresql+psycopg"
        )
    return config


def _database_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or "postgres"


def upgrade_schema(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


def downgrade_schema(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(_alembic_config(url), revision)


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


class SchemaBehind(RuntimeError):
    """The schema is older than the code, and this login may not migrate it."""


def ensure_schema_current(url: str) -> None:
    """Migrate when the schema is behind the code; a current schema is left alone, so a login
    that may only load (vk_loader) runs every command but migrating, which is the owner's job."""
    head = head_revision()
    try:
        current = current_revision(url)
    except psycopg.errors.InsufficientPrivilege:
        current = None  # a schema older than the roles' right to read its revision
    if current == head:
        return
    try:
        upgrade_schema(url)
    except Exception as error:
        if "permission denied" not in str(error) and "must be owner" not in str(error):
            raise
        raise SchemaBehind(
            f"schema vk of {redact(url)} is at revision {current or 'none'}, the code needs {head}; "
            "this login may not migrate it: run `python -m pipelines.local_env migrate` with the "
            "owner's DATABASE_URL") from None


def current_revision(url: str) -> str | None:
    with psycopg.connect(libpq_url(url)) as conn:
        exists = conn.execute("SELECT to_regclass('public.alembic_version')").fetchone()[0]
        if exists is None:
            return None
        row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
        return row[0] if row else None


CONNECT_TIMEOUT_SECONDS = 10
# A database that is down fails the step after this long, never hangs it.
CHECKOUT_TIMEOUT_SECONDS = 30.0


class DatabaseUnavailable(RuntimeError):
    """The application database could not be reached or went away; names it, password masked."""


_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def _pool_for(url: str, max_size: int) -> ConnectionPool:
    # One pool per process and URL: Dagster builds resources per run and per step, and a pool
    # per instance would open connections again for every asset.
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = ConnectionPool(
                libpq_url(url),
                min_size=0,
                max_size=max_size,
                kwargs={"row_factory": dict_row, "options": f"-c search_path={SCHEMA},public",
                        "connect_timeout": CONNECT_TIMEOUT_SECONDS},
                # A server restart leaves the idle connections dead: test each on checkout
                # rather than hand one to a load that would fail on its first statement.
                check=ConnectionPool.check_connection,
                timeout=CHECKOUT_TIMEOUT_SECONDS,
                open=True,
                name="vk-analytics",
            )
            _pools[url] = pool
        return pool


class PostgresResource(ConfigurableResource):
    """The application database (schema `vk`), through a psycopg 3 connection pool."""

    database_url: str = Field(description="libpq URL of the application database (DATABASE_URL).")
    pool_size: int = Field(default=10, description="Connections kept per process at most: a "
                           "comments load's lanes hold one each for their community's transaction.")
    lease_renew_seconds: float = Field(
        default=10.0, description="How often a process working for a run renews its lease.")
    lease_expiry_seconds: float = Field(
        default=60.0, description="A run whose lease is older than this is dead: it is failed "
        "and its pool slots freed (resources/run_leases.py).")

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext):
        # Every run opens the database, so every run's processes hold a lease while they work:
        # a killed one is then found dead by the others (resources/run_leases.py).
        if context.run is None or context.instance is None:
            yield self
            return
        self.check_reachable()
        from resources.run_leases import LeaseTimes, run_lease

        times = LeaseTimes(self.lease_renew_seconds, self.lease_expiry_seconds)
        with run_lease(self.database_url, context.instance, context.run.run_id, times):
            yield self

    def check_reachable(self) -> None:
        """Before a run does anything (a VK call above all): a database it cannot reach fails
        it now, saying which one and what to check, rather than after VK quota was spent."""
        try:
            psycopg.connect(libpq_url(self.database_url), connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        except psycopg.OperationalError as error:
            # No chain: what a person reads (vk.tasks, the UI) is the bottom of it, and this
            # message already holds libpq's.
            reason = " ".join(str(error).split()).rstrip(".?")
            raise DatabaseUnavailable(
                f"database {redact(self.database_url)} unreachable, nothing was loaded: {reason}. "
                "Check DATABASE_URL (host, port, user, password, database) and that the server "
                "is running.") from None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; its transaction commits when the block ends without error.
        A database that is unreachable or goes away mid-block raises DatabaseUnavailable."""
        try:
            with _pool_for(self.database_url, self.pool_size).connection() as conn:
                yield conn
        except psycopg.OperationalError as error:
            # What was committed stays; the step fails now, with the database named. No chain:
            # vk.tasks and the UI show the bottom of it, which would not name the database.
            reason = " ".join(str(error).split())
            raise DatabaseUnavailable(
                f"database {redact(self.database_url)} unavailable ({type(error).__name__}): "
                f"{reason}") from None

    def fetch_all(self, query_name: str, params: dict | None = None) -> list[dict]:
        with self.connection() as conn:
            return conn.execute(load_sql(query_name), params or {}).fetchall()

    def __repr__(self) -> str:  # the URL may carry a password
        return "PostgresResource(database_url=<hidden>)"
