"""Everything Dagster loads from this code location, assembled in one place."""

from dagster import (
    Definitions,
    EnvVar,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from assets import (
    analytics,
    audience,
    checks,
    comments,
    comparison,
    database_health,
    groups,
    posts,
    tasks,
    watches,
)
from pipelines.automation import analytics_automation_sensor
from pipelines.jobs import (
    collect_job,
    freshness_job,
    posts_and_comments_job,
    reconcile_tasks_job,
    refresh_groups_job,
)
from pipelines.database_upkeep import (
    database_health_job,
    database_health_schedule,
    schema_migrated_sensor,
)
from pipelines.schedules import (
    daily_freshness_checks,
    daily_groups_refresh,
    daily_posts_and_comments,
    tasks_reconciliation,
)
from pipelines.sensors import (
    group_upload_sensor,
    new_groups_history_sensor,
    task_request_sensor,
    tasks_mirror_sensors,
)
from resources.database import PostgresResource
from resources.postgres_server import application_database_url
from resources.settings import (
    SETTINGS,
    configured_database_url,
    configured_vk_api_base_url,
    configured_vk_requests_per_second,
)
from resources.vk import VkApiResource


def _executor():
    if SETTINGS.executor == "celery":
        # Imported only here: one machine needs neither Celery nor a broker.
        from pipelines.cluster import celery_config, leased_celery_executor

        return leased_celery_executor.configured(celery_config(), name="celery")
    # Steps of a run share one process: a run is a few VK steps and their checks, and a process
    # per step cost more than the work on 2 cores (a year's backfill: 539 s of runs became 194 s).
    return in_process_executor


defs = Definitions(
    executor=_executor(),
    assets=load_assets_from_modules([groups, posts, comments, tasks, analytics, audience, comparison,
                                     watches, database_health]),
    asset_checks=load_asset_checks_from_modules([checks, database_health]),
    jobs=[collect_job, posts_and_comments_job, refresh_groups_job, freshness_job, reconcile_tasks_job,
          watches.keyword_watches_job, database_health_job],
    schedules=[daily_posts_and_comments, daily_groups_refresh, daily_freshness_checks,
               tasks_reconciliation, database_health_schedule],
    sensors=[group_upload_sensor, new_groups_history_sensor, task_request_sensor,
             *tasks_mirror_sensors, watches.watches_after_comments, analytics_automation_sensor,
             schema_migrated_sensor],
    resources={
        # DATABASE_URL through EnvVar, so Dagster stores its name, never a password; unset, the
        # embedded server's (as every local command), so `dagster dev` needs no exports.
        "database": PostgresResource(
            database_url=EnvVar("DATABASE_URL") if configured_database_url() else application_database_url(),
            lease_renew_seconds=SETTINGS.run_lease_renew_seconds,
            lease_expiry_seconds=SETTINGS.run_lease_expiry_seconds,
        ),
        "vk": VkApiResource(
            token=EnvVar("VK_TOKEN"),
            base_url=configured_vk_api_base_url(),
            requests_per_second=configured_vk_requests_per_second(),
        ),
    },
)
