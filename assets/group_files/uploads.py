"""An uploaded group file becomes validated communities, with an outcome for every line.

The file is parsed (assets.group_files), its references resolved through groups.getById
(500 per call), and in one transaction the communities, today's audience snapshot, the upload
and each of its lines are stored. The same bytes uploaded again change nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import psycopg

from assets.group_files.decoding import UploadRefused
from assets.group_files.reading import ParsedUpload, parse_group_file
from assets.group_files.references import shorten
from assets.loading.rows import GROUP_COLUMNS, group_row, group_validation
from resources.database import MergeCounts, copy_rows, load_sql

OUTCOMES = ("loaded", "duplicate", "not_found", "closed", "private", "deleted", "banned", "unparseable")
LINE_COLUMNS = ("upload_id", "line_no", "raw_text", "parsed_ref", "group_id", "outcome", "reason")


@dataclass
class UploadResult:
    file_name: str
    content_hash: str
    status: str  # processed, refused, or already_seen for bytes processed before
    refusal_reason: str | None = None
    outcomes: Counter = field(default_factory=Counter)
    groups: MergeCounts = field(default_factory=MergeCounts)
    monitored_group_ids: list[int] = field(default_factory=list)


def resolve_groups(client, parsed: ParsedUpload) -> dict[str, dict]:
    """Reference key -> VK community, for every reference VK knows."""
    refs = parsed.references
    found: dict[str, dict] = {}
    for group in client.get_groups([ref.api_ref for ref in refs]):
        found[f"id:{int(group['id'])}"] = group
        if group.get("screen_name"):
            found[f"name:{group['screen_name'].lower()}"] = group
    return {ref.key: found[ref.key] for ref in refs if ref.key in found}


def line_outcomes(parsed: ParsedUpload, resolved: dict[str, dict]) -> list[tuple]:
    """(line_no, raw_text, parsed_ref, group_id, outcome, reason) for every line of the file."""
    first_line_of_group: dict[int, int] = {}
    result = []
    for line in parsed.lines:
        ref = line.reference
        group = resolved.get(ref.key) if ref else None
        group_id = int(group["id"]) if group else None
        outcome, reason = line.outcome, line.reason
        if outcome is None:
            if group is None:
                # Quoted as received: "<script>" was asked as "script", but the file says "<script>".
                outcome, reason = "not_found", f"VK knows no community {shorten(line.raw_text.strip())!r}"
            elif group_id in first_line_of_group:
                outcome = "duplicate"
                reason = f"same community as line {first_line_of_group[group_id]}"
            else:
                status, reason = group_validation(group)
                outcome = "loaded" if status == "valid" else status
        if group_id is not None:
            first_line_of_group.setdefault(group_id, line.line_no)
        result.append((line.line_no, line.raw_text, ref.key if ref else None, group_id, outcome, reason))
    return result


def store_groups(conn: psycopg.Connection, groups: list[dict], *, monitor: bool,
                 snapshot_date: date) -> MergeCounts:
    """Upsert communities and today's members-count snapshot, inside the caller's transaction."""
    conn.execute(load_sql("groups_stage"))
    copy_rows(conn, "groups_staging", GROUP_COLUMNS, (group_row(g) for g in groups))
    counts = MergeCounts.from_upsert(conn.execute(load_sql("groups_upsert"), {"monitor": monitor}).fetchone())
    conn.execute(load_sql("group_snapshots_upsert"), {"snapshot_date": snapshot_date})
    return counts


def process_upload(conn: psycopg.Connection, client, file_name: str, data: bytes, *,
                   snapshot_date: date, replace_list: bool = False) -> UploadResult:
    """Parse, resolve and store one uploaded file in the caller's transaction.

    A refused file (not a list at all) is recorded with its reason and is not an error: the
    run that processed it succeeded. VK errors propagate, and nothing is recorded, so the same
    file can be processed again once VK answers.
    """
    # All or nothing, also on an autocommit connection: a crash half way records no upload,
    # so the same file is processed again rather than taken as already seen.
    with conn.transaction():
        return _process(conn, client, file_name, data, snapshot_date, replace_list)


def _process(conn, client, file_name, data, snapshot_date, replace_list) -> UploadResult:
    received_at = datetime.now(timezone.utc)
    digest = hashlib.sha256(data).hexdigest()
    existing = conn.execute(load_sql("group_upload_find"), {"content_hash": digest}).fetchone()
    if existing:
        return UploadResult(file_name, digest, "already_seen", existing["refusal_reason"])
    try:
        parsed, refusal = parse_group_file(file_name, data), None
    except UploadRefused as refused:
        parsed, refusal = None, str(refused)
    if parsed is None:
        _insert_upload(conn, file_name, digest, len(data), received_at, Counter(), refusal)
        return UploadResult(file_name, digest, "refused", refusal)

    resolved = resolve_groups(client, parsed)
    lines = line_outcomes(parsed, resolved)
    outcomes = Counter(line[4] for line in lines)
    groups = list({int(g["id"]): g for g in resolved.values()}.values())
    counts = store_groups(conn, groups, monitor=True, snapshot_date=snapshot_date) if groups else MergeCounts()
    group_ids = sorted(int(g["id"]) for g in groups)
    if replace_list:
        conn.execute(load_sql("groups_unmonitor_others"), {"group_ids": group_ids})
    upload_id = _insert_upload(conn, file_name, digest, len(data), received_at, outcomes, None)
    copy_rows(conn, "vk.group_upload_lines", LINE_COLUMNS, ((upload_id, *line) for line in lines))
    return UploadResult(file_name, digest, "processed", None, outcomes, counts, group_ids)


def _insert_upload(conn, file_name, digest, size, received_at, outcomes: Counter, refusal) -> int:
    row = conn.execute(
        load_sql("group_upload_insert"),
        {
            "file_name": file_name,
            "content_hash": digest,
            "size_bytes": size,
            "status": "refused" if refusal else "processed",
            "refusal_reason": refusal,
            "received_at": received_at,
            "lines_total": sum(outcomes.values()),
            **{outcome: outcomes.get(outcome, 0) for outcome in OUTCOMES},
        },
    ).fetchone()
    return row["upload_id"]
