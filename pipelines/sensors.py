"""Sensors: uploaded group files, history for new communities, the tasks mirror and requests."""

import hashlib
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_status_sensor,
    sensor,
)

from assets.group_files.references import InvalidGroupReference, parse_reference
from assets.partitions import PARTITIONS_TIMEZONE, daily_partitions, range_tags
from assets.tasks import REQUESTED_BY_TAG, TASK_ID_TAG, mirror_run
from pipelines.jobs import collect_job, posts_and_comments_job, refresh_groups_job
from resources.database import PostgresResource, load_sql
from resources.settings import SETTINGS

UPLOADS_DIR = SETTINGS.uploads_dir
UPLOAD_SETTLE_SECONDS = SETTINGS.upload_settle_seconds
NEW_GROUP_HISTORY_DAYS = SETTINGS.new_group_history_days
GROUPS = AssetKey("groups")
PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".swp")
REMEMBERED_UPLOADS = 2000


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ready_uploads(folder: Path, now: float) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.iterdir()
        if path.is_file() and not path.name.startswith((".", "~"))
        and not path.name.lower().endswith(PARTIAL_SUFFIXES)
        and now - path.stat().st_mtime >= UPLOAD_SETTLE_SECONDS
    )


@sensor(
    job=refresh_groups_job,
    minimum_interval_seconds=15,
    default_status=DefaultSensorStatus.RUNNING,
    description="Uploaded group files (CSV, TXT, XLSX) dropped into the uploads folder "
    "(VK_UPLOADS_DIR): one run per new content; processed and refused files are moved aside.",
)
def group_upload_sensor(context: SensorEvaluationContext):
    seen: list[str] = json.loads(context.cursor) if context.cursor else []
    requests = []
    moved = []
    for path in _ready_uploads(UPLOADS_DIR, time.time()):
        digest = _content_hash(path)
        if digest in seen:
            # The same bytes again: Dagster would skip the run key anyway; move the copy aside
            # so the folder shows what is still to do.
            duplicates = path.parent / "duplicates"
            duplicates.mkdir(exist_ok=True)
            path.replace(duplicates / f"{digest[:12]}-{path.name}")
            context.log.info(f"{path.name}: same content as an earlier upload, moved to duplicates/")
            moved.append(path.name)
            continue
        seen.append(digest)
        requests.append(RunRequest(
            run_key=f"upload:{digest}",
            run_config={"ops": {"groups": {"config": {
                "upload_paths": [str(path)], "archive_uploads": True}}}},
            tags={"vk/upload_file": path.name[:200], "vk/upload_sha256": digest},
        ))
    # The tick's message is all the UI shows of a sensor: a file that vanished from the folder
    # must be accounted for there.
    moved_note = (f"; moved {len(moved)} duplicate(s) of earlier uploads to duplicates/: "
                  + ", ".join(moved[:10]) + (" ..." if len(moved) > 10 else "")) if moved else ""
    if not requests:
        return SkipReason(f"no new files in {UPLOADS_DIR}{moved_note}")
    return SensorResult(run_requests=requests, cursor=json.dumps(seen[-REMEMBERED_UPLOADS:]))


@run_status_sensor(
    # Every job of the code location: `groups` is also materialized from its asset page, in
    # Dagster's own asset job, and those communities need their history as much.
    run_status=DagsterRunStatus.SUCCESS,
    request_job=posts_and_comments_job,
    default_status=DefaultSensorStatus.RUNNING,
    description=f"When a run adds communities, load their last {NEW_GROUP_HISTORY_DAYS} days of "
    "posts and comments (only theirs: the others already have them).",
)
def new_groups_history_sensor(context: RunStatusSensorContext, database: PostgresResource):
    run = context.dagster_run
    if not _materialized(context.instance, run.run_id, GROUPS):
        return SkipReason(f"run {run.run_id} did not materialize {GROUPS.to_user_string()}")
    record = context.instance.get_run_record_by_id(run.run_id)
    new_ids = [row["group_id"] for row in database.fetch_all("groups_created_between", {
        "start": datetime.fromtimestamp(record.start_time, ZoneInfo("UTC")),
        "end": datetime.fromtimestamp(record.end_time, ZoneInfo("UTC")),
    })]
    if not new_ids:
        return SkipReason(f"run {run.run_id} added no communities")
    last = date.fromisoformat(daily_partitions.get_last_partition_key())
    first = max(last - timedelta(days=NEW_GROUP_HISTORY_DAYS - 1),
                date.fromisoformat(daily_partitions.get_first_partition_key()))
    communities = [str(group_id) for group_id in new_ids]
    return RunRequest(
        run_key=f"history:{run.run_id}",
        run_config={"ops": {asset: {"config": {"communities": communities}}
                            for asset in ("posts", "comments")}},
        tags={**range_tags(first, last), "vk/new_communities": str(len(new_ids))},
    )


def _materialized(instance: DagsterInstance, run_id: str, key: AssetKey) -> bool:
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records
    return any(record.event_log_entry.dagster_event.asset_key == key for record in records)


def _mirror_sensor(status: DagsterRunStatus):
    @run_status_sensor(
        name=f"tasks_mirror_{status.value.lower()}",
        run_status=status,
        monitor_all_code_locations=True,
        minimum_interval_seconds=5,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Mirror runs that become {status.value} into vk.tasks.",
    )
    def _sensor(context: RunStatusSensorContext, database: PostgresResource):
        mirror_run(database, context.instance, context.dagster_run)

    return _sensor


tasks_mirror_sensors = [_mirror_sensor(status) for status in (
    DagsterRunStatus.QUEUED, DagsterRunStatus.STARTED, DagsterRunStatus.SUCCESS,
    DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)]


def validate_task_request(task: dict) -> tuple[dict, str | None]:
    """(run request fields, None) for a valid requested task, or ({}, the reason it is refused)."""
    if task["kind"] != "collect":
        return {}, f"unknown task kind {task['kind']!r}: this deployment runs 'collect'"
    first, last = task["partition_start"], task["partition_end"]
    if first is None or last is None:
        return {}, "partition_start and partition_end (dates) are required"
    earliest = date.fromisoformat(daily_partitions.get_first_partition_key())
    latest = date.fromisoformat(daily_partitions.get_last_partition_key())
    if not earliest <= first <= last <= latest:
        return {}, f"dates must satisfy {earliest} <= partition_start <= partition_end <= {latest}"
    communities = task["params"].get("communities", [])
    if not isinstance(communities, list) or not all(isinstance(c, str) for c in communities):
        return {}, "params.communities must be a list of community references (strings)"
    bad = []
    for text in communities:
        try:
            parse_reference(text)
        except InvalidGroupReference as error:
            bad.append(f"{text[:80]!r}: {error}")
    if bad:
        return {}, "not VK communities: " + "; ".join(bad[:10])
    config = {"communities": communities}
    return {
        "run_config": {"ops": {"groups": {"config": {"references": communities}},
                               "posts": {"config": config}, "comments": {"config": config}}},
        "tags": {**range_tags(first, last), TASK_ID_TAG: str(task["task_id"]),
                 REQUESTED_BY_TAG: task["requested_by"][:200]},
    }, None


@sensor(
    job=collect_job,
    minimum_interval_seconds=15,
    default_status=DefaultSensorStatus.RUNNING,
    description="Work other applications request by inserting a pending row into vk.tasks "
    "(kind 'collect', partition_start/partition_end, params.communities): launched as a run the "
    "row then follows; invalid requests are marked failed with the reason.",
)
def task_request_sensor(context: SensorEvaluationContext, database: PostgresResource):
    after = int(context.cursor or 0)
    requests = []
    for task in database.fetch_all("tasks_pending_requests", {"after_task_id": after}):
        after = task["task_id"]
        fields, reason = validate_task_request(task)
        if reason:
            with database.connection() as conn:
                conn.execute(load_sql("tasks_reject_request"), {"task_id": task["task_id"], "reason": reason})
            context.log.warning(f"task {task['task_id']} refused: {reason}")
            continue
        requests.append(RunRequest(run_key=f"task:{task['task_id']}", **fields))
    if not requests and after == int(context.cursor or 0):
        return SkipReason("no pending tasks")
    return SensorResult(run_requests=requests, cursor=str(after))
