"""vk.tasks: Dagster runs mirrored for other applications, who may also request work there.

Run status sensors (pipelines/sensors.py) keep the table live; the `tasks` asset reconciles it
from the Dagster instance, so a run missed while the daemon was down still gets its row. Steps
that talk to VK add their work (one unit per community) and count it done as they go.
"""

import re
from datetime import date, datetime, timedelta, timezone

from dagster import (
    AssetExecutionContext,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    MaterializeResult,
    MetadataValue,
    RunsFilter,
    asset,
)
from psycopg.types.json import Jsonb

from assets.partitions import run_partition_keys
from resources.database import PostgresResource, load_sql

TASK_ID_TAG = "vk/task_id"
REQUESTED_BY_TAG = "vk/requested_by"

STATUS_OF_RUN = {
    DagsterRunStatus.QUEUED: "pending",
    DagsterRunStatus.NOT_STARTED: "pending",
    DagsterRunStatus.STARTING: "pending",
    DagsterRunStatus.MANAGED: "pending",
    DagsterRunStatus.STARTED: "processing",
    DagsterRunStatus.CANCELING: "processing",
    DagsterRunStatus.SUCCESS: "completed",
    DagsterRunStatus.FAILURE: "failed",
    DagsterRunStatus.CANCELED: "failed",
}
RECONCILE_DAYS = 14


def mirror_run(database: PostgresResource, instance: DagsterInstance, run: DagsterRun) -> None:
    """Write one run's current state into vk.tasks (idempotent; status never moves back)."""
    record = instance.get_run_record_by_id(run.run_id)
    status = STATUS_OF_RUN.get(run.status, "pending")
    start, end = _partition_range(run.tags)
    with database.connection() as conn:
        _link_requested_task(conn, run)
        conn.execute(load_sql("tasks_mirror_run"), {
            "kind": _kind(run.job_name),
            "status": status,
            "run_id": run.run_id,
            "asset_selection": _asset_selection(instance, run),
            "partition_start": start,
            "partition_end": end,
            "params": Jsonb(_params(run)),
            "error_message": _error_message(instance, run) if status == "failed" else None,
            "requested_by": _requested_by(run.tags),
            "created_at": record.create_timestamp if record else None,
            "started_at": _timestamp(record.start_time) if record else None,
            "finished_at": (_timestamp(record.end_time) or datetime.now(timezone.utc))
            if status in ("completed", "failed") and record else None,
        })
        if status in ("completed", "failed"):
            # A run that ended holds nothing: a lease a killed process left behind goes too.
            conn.execute(load_sql("run_leases_release_run"), {"run_ids": [run.run_id]})


class TaskProgress:
    """Progress of the current run in vk.tasks: units of work (communities) done of total."""

    def __init__(self, database: PostgresResource, run: DagsterRun, step: str, units: int):
        self.database = database
        self.run = run
        with database.connection() as conn:
            _link_requested_task(conn, run)
            conn.execute(load_sql("tasks_add_work"), {"run_id": run.run_id, "units": units, "step": step})

    def done(self, units: int = 1) -> None:
        with self.database.connection() as conn:
            conn.execute(load_sql("tasks_work_done"), {"run_id": self.run.run_id, "units": units})


@asset(
    group_name="operations",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    description="Table vk.tasks: one row per Dagster run (status pending/processing/completed/"
    "failed, progress, partitions, error), reconciled from the Dagster instance so nothing is "
    f"missed while sensors were down (runs of the last {RECONCILE_DAYS} days).",
)
def tasks(context: AssetExecutionContext, database: PostgresResource) -> MaterializeResult:
    instance = context.instance
    since = datetime.now(timezone.utc) - timedelta(days=RECONCILE_DAYS)
    # Not this run: it is STARTED while it looks, and without the daemon's sensors nothing
    # would ever move its row on from `processing`. The next reconciliation, the sensors or
    # whoever launched it (pipelines/demo.py) mirrors it once it has ended.
    own = context.run.run_id
    runs = [record.dagster_run for record in
            instance.get_run_records(filters=RunsFilter(updated_after=since), limit=5000)
            if record.dagster_run.run_id != own]
    with database.connection() as conn:
        unfinished = {row["dagster_run_id"] for row in conn.execute(load_sql("tasks_unfinished_run_ids"))}
    runs += [run for run_id in unfinished - {run.run_id for run in runs} - {own}
             if (run := instance.get_run_by_id(run_id)) is not None]
    for run in runs:
        mirror_run(database, instance, run)
    counts = {row["status"]: row["tasks"] for row in database.fetch_all("task_status_counts")}
    return MaterializeResult(metadata={
        "runs_reconciled": MetadataValue.int(len(runs)),
        **{f"tasks_{status}": MetadataValue.int(counts.get(status, 0))
           for status in ("pending", "processing", "completed", "failed")},
    })


def _link_requested_task(conn, run: DagsterRun) -> None:
    task_id = run.tags.get(TASK_ID_TAG)
    if task_id and task_id.isdigit():
        conn.execute(load_sql("tasks_link_request"), {"run_id": run.run_id, "task_id": int(task_id)})


def _asset_selection(instance: DagsterInstance, run: DagsterRun) -> list[str]:
    keys = run.asset_selection
    if not keys:  # a job run with no explicit selection: the assets it planned
        records = instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED, limit=1000).records
        keys = {r.event_log_entry.dagster_event.asset_key for r in records}
    return sorted({"/".join(key.path) for key in keys})


def _kind(job_name: str) -> str:
    if job_name.startswith("__"):  # Dagster's implicit asset jobs: the UI's "Materialize"
        return "materialize"
    return re.sub(r"[^a-z_]", "_", job_name.lower()).strip("_") or "run"


def _partition_range(tags) -> tuple[date | None, date | None]:
    start, end = run_partition_keys(tags)
    try:
        return (date.fromisoformat(start) if start else None, date.fromisoformat(end) if end else None)
    except ValueError:  # a partition key that is not a day: not ours to interpret
        return None, None


def _requested_by(tags) -> str:
    if tags.get(REQUESTED_BY_TAG):
        return tags[REQUESTED_BY_TAG]
    for tag, label in (("dagster/backfill", "backfill"), ("dagster/schedule_name", "schedule"),
                       ("dagster/sensor_name", "sensor")):
        if tags.get(tag):
            return f"{label}:{tags[tag]}"
    return "dagster"


def _params(run: DagsterRun) -> dict:
    # Tags only: run config may carry file paths and, in other deployments, secrets.
    return {"job": run.job_name, "tags": {k: v for k, v in run.tags.items() if not k.startswith(".")}}


def _error_message(instance: DagsterInstance, run: DagsterRun) -> str:
    if run.status == DagsterRunStatus.CANCELED:
        return "run canceled"
    messages = []
    for of_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE):
        for record in instance.get_records_for_run(run.run_id, of_type=of_type, limit=5).records:
            event = record.event_log_entry.dagster_event
            data = event.event_specific_data if event else None
            failure = getattr(data, "user_failure_data", None)
            if failure is not None and failure.description:
                messages.append(failure.description)
            elif getattr(data, "error", None) is not None:
                messages.append(_root_cause(data.error))
            elif of_type == DagsterEventType.RUN_FAILURE and not messages:
                messages.append(record.event_log_entry.message)
    return ("; ".join(dict.fromkeys(m.strip() for m in messages if m)) or "run failed")[:2000]


def _root_cause(error) -> str:
    # Dagster wraps what the step raised ("Error occurred while executing op ..."): the cause at
    # the bottom of the chain is what a person needs to read.
    while error.cause is not None:
        error = error.cause
    return error.message


def _timestamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value else None
