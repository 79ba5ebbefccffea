"""The database looked after: health measured (and next month's comment partitions made) every
hour, and again as soon as the schema's revision changes, whoever migrated it."""

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
    sensor,
)

from assets.partitions import PARTITIONS_TIMEZONE
from resources.database import PostgresResource, current_revision

# The asset and its checks: the partitions check runs after the asset has made them.
database_health_job = define_asset_job(
    "database_upkeep",
    selection=AssetSelection.assets("database_health"),
    description="Make this and next month's comment partitions, then measure the database's "
    "health into schema ops and check it.",
)


@schedule(
    job=database_health_job,
    cron_schedule="20 * * * *",
    execution_timezone=PARTITIONS_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every hour: next month's comment partitions made ahead, the database's health "
    "measured (sizes, vacuum, unused indexes, connections, slow statements).",
)
def database_health_schedule(context):
    return RunRequest(run_key=f"health:{context.scheduled_execution_time:%Y-%m-%dT%H}")


@sensor(
    job=database_health_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="After a migration (the schema's Alembic revision changed): the database's "
    "health measured again, so sizes and indexes a migration changed show at once.",
)
def schema_migrated_sensor(context: SensorEvaluationContext, database: PostgresResource):
    revision = current_revision(database.database_url) or "none"
    if revision == context.cursor:
        return SkipReason(f"schema still at revision {revision}")
    # The cursor, not a run key, remembers the revision: a downgrade and the upgrade after it
    # are migrations too, each worth a new snapshot.
    context.update_cursor(revision)
    return RunRequest(tags={"vk/schema_revision": revision})
