"""Each community's outcome in one load, and the record that lets a retried run resume.

One community failing never costs another its data: each group's VK calls are attempted on
their own, the outcome recorded, and what was read is stored. A run that could not finish
(transient failures after retries, quota exhausted) still commits what it loaded, then fails so
Dagster shows the partition as not done and a retry or a later run completes it.
"""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from dagster import Failure, TimeWindow

from resources.database import PostgresResource, load_sql
from resources.vk.errors import VkConfigError, VkError, VkQuotaExhausted, VkRetryLater, VkSkipOwner


@dataclass
class Attempt:
    rows: list = field(default_factory=list)


# What a person does when VK refuses the configuration (token invalid, revoked, of the wrong
# kind): retrying cannot help, so the message says what to change.
CONFIG_FIX = (" To fix: set VK_TOKEN to valid user or community token(s) with access to walls "
              "(a token VK rejects is dropped; with none left the load stops), then run again.")


class GroupLoads:
    """The communities a run has loaded for an asset and its days (vk.group_loads): Dagster's
    retry of a step, or a re-execution from failure, reads only the others again."""

    def __init__(self, root_run_id: str, asset: str, window: TimeWindow) -> None:
        self.params = {"root_run_id": root_run_id, "asset": asset,
                       "start": window.start, "end": window.end}

    def done(self, database: PostgresResource) -> set[int]:
        return {row["group_id"] for row in database.fetch_all("group_loads_done", self.params)}

    def record(self, conn: psycopg.Connection, group_ids: list[int]) -> None:
        """In the transaction that stores the groups' rows: recorded if and only if stored."""
        conn.execute(load_sql("group_loads_record"), {**self.params, "group_ids": group_ids})


class GroupOutcomes:
    """Outcome of each community in one load: loaded, loaded before (by an earlier attempt of
    the run), skipped, failed or not attempted. Thread-safe: lanes record side by side."""

    def __init__(self, progress=None, loaded_before: set[int] = frozenset()) -> None:
        self.progress = progress  # assets.tasks.TaskProgress of the run, told of each outcome
        self.loaded_before = loaded_before
        self.outcome: dict[int, str] = {}
        self.reason: dict[int, str] = {}
        self.stopped_by: VkError | None = None
        self._lock = threading.Lock()

    def may_call_vk(self, group: dict) -> bool:
        group_id = group["group_id"]
        if group_id in self.loaded_before:
            self._record(group_id, "loaded_before", "loaded by an earlier attempt of this run")
            return False
        if self.stopped_by is not None:
            self._record(group_id, "not_attempted", f"run stopped: {self.stopped_by}")
            return False
        if group["validation_status"] != "valid":
            self._record(group_id, "skipped", group["validation_reason"] or group["validation_status"])
            return False
        return True

    @contextmanager
    def attempt(self, group_id: int):
        attempt = Attempt()
        try:
            yield attempt
        except VkSkipOwner as error:
            self._record(group_id, "skipped", str(error))
        except VkRetryLater as error:
            self._record(group_id, "failed", str(error))
        except (VkQuotaExhausted, VkConfigError) as error:
            with self._lock:
                # The first stop is the run's reason; lanes still reading may add their own.
                self.stopped_by = self.stopped_by or error
            self._record(group_id, "failed", str(error))
        else:
            self._record(group_id, "loaded", None)

    def _record(self, group_id: int, outcome: str, reason: str | None) -> None:
        with self._lock:
            self.outcome[group_id] = outcome
            if reason:
                self.reason[group_id] = reason
        if self.progress is not None:
            self.progress.done()

    def loaded(self, group_id: int) -> bool:
        with self._lock:
            return self.outcome.get(group_id) == "loaded"

    def complete_group_ids(self) -> list[int]:
        with self._lock:
            return [g for g, outcome in self.outcome.items() if outcome == "loaded"]

    def summary(self) -> dict[str, int]:
        return dict(sorted(Counter(self.outcome.values()).items()))

    def table(self) -> str:
        lines = ["| group | outcome | reason |", "|---|---|---|"]
        for group_id, outcome in sorted(self.outcome.items()):
            if outcome != "loaded":
                lines.append(f"| {group_id} | {outcome} | {self.reason.get(group_id, '')} |")
        return "\n".join(lines) if len(lines) > 2 else "every group loaded"

    def raise_if_incomplete(self, metadata: dict) -> None:
        incomplete = {g: o for g, o in self.outcome.items() if o in ("failed", "not_attempted")}
        if not incomplete:
            return
        # Quota and configuration problems do not go away in minutes: no automatic retry.
        retryable = self.stopped_by is None
        raise Failure(
            description=(
                f"{len(incomplete)} of {len(self.outcome)} groups not loaded "
                f"({self.summary()}); what was loaded is stored. "
                + (f"Stopped: {self.stopped_by}" if self.stopped_by else "Transient VK failures.")
                + (CONFIG_FIX if isinstance(self.stopped_by, VkConfigError) else "")
            ),
            metadata=metadata,
            allow_retries=retryable,
        )
