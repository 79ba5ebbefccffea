"""A Dagster instance stored in a throwaway database, for tests and the processes they start."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance

from pipelines.local_env import prepare_dagster_home
from resources.postgres_server import drop_database, ensure_database, with_database


@contextmanager
def dagster_instance_in(pg_server_url: str, home: Path) -> Iterator[tuple[DagsterInstance, str]]:
    """A Dagster home at `home` whose storage is a throwaway database on the server under test;
    the instance and its storage URL (what other processes need as DAGSTER_STORAGE_URL)."""
    name = f"dagster_test_{os.getpid()}_{secrets.token_hex(3)}"
    url = with_database(ensure_database(pg_server_url, name), name, driver="postgresql+psycopg2")
    prepare_dagster_home(home)
    previous = os.environ.get("DAGSTER_STORAGE_URL")
    os.environ["DAGSTER_STORAGE_URL"] = url
    instance = DagsterInstance.from_config(str(home))
    try:
        yield instance, url
    finally:
        instance.dispose()
        if previous is None:
            os.environ.pop("DAGSTER_STORAGE_URL", None)
        else:
            os.environ["DAGSTER_STORAGE_URL"] = previous
        drop_database(pg_server_url, name)
