"""Schedules: the newest day every night, the last days refreshed, communities refreshed."""

from datetime import date, timedelta

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from assets.partitions import PARTITIONS_TIMEZONE, daily_partitions, range_tags
from assets.checks import FRESHNESS_DEADLINE_HOUR
from pipelines.jobs import (
    freshness_job,
    posts_and_comments_job,
    reconcile_tasks_job,
    refresh_groups_job,
)
from resources.settings import SETTINGS

REFRESH_DAYS = SETTINGS.refresh_days


@schedule(
    job=posts_and_comments_job,
    cron_schedule="0 3 * * *",
    execution_timezone=PARTITIONS_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description=f"Every night: yesterday's posts and comments, and the {REFRESH_DAYS} days before "
    "it refreshed, in one run that reads each wall once.",
)
def daily_posts_and_comments(context: ScheduleEvaluationContext):
    last = context.scheduled_execution_time.date() - timedelta(days=1)
    first = max(last - timedelta(days=REFRESH_DAYS - 1),
                date.fromisoformat(daily_partitions.get_first_partition_key()))
    return RunRequest(run_key=f"daily:{last}", tags=range_tags(first, last))


@schedule(
    job=refresh_groups_job,
    cron_schedule="0 2 * * *",
    execution_timezone=PARTITIONS_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every night: every monitored community refreshed (closed, banned, renamed) "
    "and its members count snapshotted for audience growth.",
)
def daily_groups_refresh(context: ScheduleEvaluationContext):
    return RunRequest(run_key=f"groups:{context.scheduled_execution_time.date()}")


@schedule(
    job=freshness_job,
    cron_schedule=f"5 {FRESHNESS_DEADLINE_HOUR} * * *",
    execution_timezone=PARTITIONS_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every morning after the deadline: is yesterday's data there?",
)
def daily_freshness_checks(context: ScheduleEvaluationContext):
    return RunRequest(run_key=f"freshness:{context.scheduled_execution_time.date()}")


@schedule(
    job=reconcile_tasks_job,
    cron_schedule="*/15 * * * *",
    execution_timezone=PARTITIONS_TIMEZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every 15 minutes: vk.tasks reconciled with the Dagster instance, so a run the "
    "status sensors missed (daemon down) still gets its row.",
)
def tasks_reconciliation():
    return RunRequest()
