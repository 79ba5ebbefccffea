"""Dagster's own storage (runs, events, schedules) on PostgreSQL, found the way every local
command finds its database: DAGSTER_STORAGE_URL when set, else a database beside the
application's (the embedded server's when DATABASE_URL is unset too).

`dagster.yaml` names this class, so `dagster dev` and `dagster definitions validate` in the
repository root work with no exports, as Dagster's documentation teaches them.
"""

from __future__ import annotations

from dagster._serdes import ConfigurableClassData
from dagster_postgres import DagsterPostgresStorage

from resources.postgres_server import application_database_url, dagster_storage_url
from resources.settings import configured_dagster_storage_url


class LocalDefaultPostgresStorage(DagsterPostgresStorage):
    @classmethod
    def config_type(cls) -> dict:
        return {}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> "LocalDefaultPostgresStorage":
        # dagster-postgres speaks psycopg2 (see the stack notes): the URL says so.
        url = configured_dagster_storage_url() or dagster_storage_url(application_database_url())
        return cls(postgres_url=url, inst_data=inst_data)
