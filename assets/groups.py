"""The communities to monitor: uploaded group files, then a refresh of every monitored one."""

import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from pydantic import Field

from assets.group_files.uploads import process_upload, store_groups
from assets.loading.steps import usage_metadata, vk_retry_policy
from assets.partitions import PARTITIONS_TIMEZONE
from assets.reporting.rendering import markdown_table
from resources.database import MergeCounts, PostgresResource, load_sql
from resources.vk import VkApiResource


PROCESSED, REFUSED = "processed", "refused"
ARCHIVE_FOLDERS = (PROCESSED, REFUSED)


class GroupsConfig(Config):
    upload_paths: list[str] = Field(
        default_factory=list, description="Uploaded group files to process (CSV, TXT or XLSX)."
    )
    references: list[str] = Field(
        default_factory=list,
        description="Community references given directly (ids, screen names, links), processed "
        "like an uploaded file: e.g. the communities of a task requested through vk.tasks.",
    )
    archive_uploads: bool = Field(
        default=False,
        description="Move each processed file into processed/ beside it, or refused/ with the "
        "reason in a .reason.txt file (the upload sensor sets this).",
    )
    replace_list: bool = Field(
        default=False,
        description="The uploaded files are the whole list: communities not on them stop being "
        "monitored (kept, not deleted).",
    )


@asset(
    group_name="vk",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    retry_policy=vk_retry_policy,
    pool="vk_api",
    description="Communities to monitor (table vk.groups): uploaded group files validated "
    "against the VK API, one outcome per line (vk.group_uploads, vk.group_upload_lines); then "
    "every monitored community refreshed (closed/banned changes) with today's members count "
    "(vk.group_snapshots).",
)
def groups(context: AssetExecutionContext, config: GroupsConfig, database: PostgresResource,
           vk: VkApiResource) -> MaterializeResult:
    started = time.monotonic()
    if config.archive_uploads:
        check_archive_writable([Path(path) for path in config.upload_paths])
    client = vk.get_client()
    today = datetime.now(ZoneInfo(PARTITIONS_TIMEZONE)).date()
    files = [(path.name, path.read_bytes(), path) for path in map(Path, config.upload_paths)]
    if config.references:
        files.append((f"{len(config.references)} requested communities",
                      "\n".join(config.references).encode(), None))
    uploads = []
    for name, data, path in files:
        with database.connection() as conn:
            result = process_upload(conn, client, name, data, snapshot_date=today,
                                    replace_list=config.replace_list)
        uploads.append(result)
        context.log.info(f"{name}: {result.status} {dict(result.outcomes)} {result.refusal_reason or ''}")
        if path is not None and config.archive_uploads:
            archive_upload(path, result)

    with database.connection() as conn:
        monitored = [row["group_id"] for row in conn.execute(load_sql("monitored_groups")).fetchall()]
        refreshed = client.get_groups([str(group_id) for group_id in monitored]) if monitored else []
        counts = store_groups(conn, refreshed, monitor=False, snapshot_date=today) if refreshed else MergeCounts()
        totals = conn.execute(load_sql("group_counts")).fetchone()

    line_outcomes = sum((u.outcomes for u in uploads), Counter())
    return MaterializeResult(metadata={
        "monitored_groups": MetadataValue.int(totals["monitored"]),
        "groups_total": MetadataValue.int(totals["total"]),
        "groups_refreshed": MetadataValue.int(len(refreshed)),
        "groups_changed": MetadataValue.int(counts.inserted + counts.updated),
        "uploads": MetadataValue.md(_uploads_table(uploads)),
        "upload_lines_by_outcome": MetadataValue.json(dict(sorted(line_outcomes.items()))),
        **usage_metadata(client, started),
    })


def check_archive_writable(paths: list[Path]) -> None:
    """Before any VK call: a file that cannot be moved aside after processing would be taken
    again at every sensor tick, each time spending VK calls, so an unwritable folder stops the
    run at once."""
    for folder in sorted({path.parent / name for path in paths for name in ARCHIVE_FOLDERS}):
        try:
            if folder.exists() and not folder.is_dir():
                raise NotADirectoryError(20, "not a folder", str(folder))
            # Where the file will be written: the folder, or beside it while it does not exist.
            with tempfile.TemporaryFile(dir=folder if folder.exists() else folder.parent):
                pass
        except OSError as error:
            raise Failure(
                description=f"uploads cannot be archived: {folder} is not a folder this process "
                f"can write ({type(error).__name__}: {error.strerror or error}). Make "
                f"{folder.parent} (VK_UPLOADS_DIR) writable by the user running Dagster, or remove "
                f"whatever stands at {folder}; no VK call was made.",
                allow_retries=False,
            ) from error


def archive_upload(path: Path, result) -> Path:
    """Processed files are kept, out of the way of the next scan; refused ones with the reason."""
    # By the reason, not the status: bytes refused before come back as already_seen, and are
    # no more a list the second time.
    folder = path.parent / (REFUSED if result.refusal_reason else PROCESSED)
    folder.mkdir(exist_ok=True)
    target = folder / f"{result.content_hash[:12]}-{path.name}"
    path.replace(target)
    if result.refusal_reason:
        target.with_name(target.name + ".reason.txt").write_text(result.refusal_reason + "\n", encoding="utf-8")
    return target


def _uploads_table(uploads) -> str:
    return markdown_table(
        ["file", "status", "lines by outcome", "refusal"],
        ([u.file_name, u.status, ", ".join(f"{k}: {v}" for k, v in sorted(u.outcomes.items())),
          u.refusal_reason or ""] for u in uploads),
        empty="no files uploaded in this run")
