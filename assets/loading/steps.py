"""The step every daily VK load shares: its partitions, pool and retry, which communities it
reads, and the way it begins and ends (outcomes, task progress, the metadata a run reports)."""

from __future__ import annotations

import time

from dagster import (
    AssetExecutionContext,
    Backoff,
    Config,
    DagsterRun,
    Jitter,
    MetadataValue,
    RetryPolicy,
    TimeWindow,
)
from pydantic import Field

from assets.group_files.references import parse_reference
from assets.loading.outcomes import GroupLoads, GroupOutcomes
from assets.partitions import daily_partitions, month_backfill_policy
from assets.tasks import TaskProgress
from resources.database import MergeCounts, PostgresResource
from resources.settings import SETTINGS
from resources.vk import VkApiResource

# Dagster's own retry for a run that ended with transient VK failures: the client already
# retried each call, so these are minutes-long outages, worth a few spaced attempts.
vk_retry_policy = RetryPolicy(
    max_retries=3,
    delay=SETTINGS.run_retry_delay_seconds,
    backoff=Backoff.EXPONENTIAL,
    jitter=Jitter.PLUS_MINUS,
)


# What every daily VK load shares: day partitions, a month of days per backfill run, Dagster's
# retry, and the `vk_api` pool that keeps parallel runs within the token's rate.
DAILY_VK_LOAD = dict(
    group_name="vk",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    partitions_def=daily_partitions,
    backfill_policy=month_backfill_policy,
    retry_policy=vk_retry_policy,
    pool="vk_api",
)


class CommunitiesConfig(Config):
    communities: list[str] = Field(
        default_factory=list,
        description="Only these communities (VK ids, screen names or links); empty means every "
        "monitored one. Used when new communities need their history without reloading everyone "
        "else's, and for work requested through vk.tasks.",
    )

    def selects(self, group: dict) -> bool:
        if not self.communities:
            return True
        keys = {f"id:{group['group_id']}", f"name:{(group.get('screen_name') or '').lower()}"}
        return any(ref.key in keys for ref in self._references())

    def _references(self):
        return [parse_reference(text) for text in self.communities]


class VkLoad:
    """One load step from its start to its metadata: the VK client, the communities' outcomes
    and resume records, the task's progress, the figures a person reads afterwards."""

    def __init__(self, asset: str, run: DagsterRun, step: str, window: TimeWindow,
                 database: PostgresResource, vk: VkApiResource) -> None:
        self.asset, self.run, self.step, self.window = asset, run, step, window
        self.database = database
        # Limits in the database: every process and machine loading with a token shares them.
        self.client = vk.get_client(limits_database_url=database.database_url)
        self.started = time.monotonic()
        self.loads = GroupLoads(run.root_run_id or run.run_id, asset, window)

    @classmethod
    def of(cls, context: AssetExecutionContext, database: PostgresResource,
           vk: VkApiResource) -> "VkLoad":
        return cls(context.asset_key.to_user_string(), context.run, context.op_def.name,
                   context.partition_time_window, database, vk)

    def begin(self, communities: int) -> GroupOutcomes:
        """The outcomes of this run's communities, those an earlier attempt loaded known."""
        progress = TaskProgress(self.database, self.run, self.step, units=communities)
        self.outcomes = GroupOutcomes(progress, loaded_before=self.loads.done(self.database))
        return self.outcomes

    def finish(self, log, counts: MergeCounts, **figures: int) -> dict:
        """The step's metadata; raises (after everything loaded is stored) if a community
        could not be loaded."""
        metadata = load_metadata(counts, self.outcomes, self.client, self.started, **figures)
        log.info(f"{self.asset} {self.window.start:%Y-%m-%d}..{self.window.end:%Y-%m-%d}: "
                 f"{self.outcomes.summary()}")
        self.outcomes.raise_if_incomplete(metadata)
        return metadata


def load_metadata(counts: MergeCounts, outcomes: GroupOutcomes, client, started: float, **extra) -> dict:
    """The figures a person reads in the UI after a load."""
    return {
        "rows_inserted": MetadataValue.int(counts.inserted),
        "rows_updated": MetadataValue.int(counts.updated),
        "rows_unchanged": MetadataValue.int(counts.unchanged),
        **{name: MetadataValue.int(value) for name, value in extra.items()},
        "groups_by_outcome": MetadataValue.json(outcomes.summary()),
        "group_problems": MetadataValue.md(outcomes.table()),
        **usage_metadata(client, started),
    }


def usage_metadata(client, started: float) -> dict:
    """VK calls spent and time taken: the scarce resources of every VK load."""
    usage = client.stats.snapshot()
    return {
        "vk_http_requests": MetadataValue.int(usage["http_requests"]),
        "vk_method_calls": MetadataValue.json(usage["method_calls"]),
        "vk_retries": MetadataValue.int(usage["retries"]),
        "vk_errors_by_code": MetadataValue.json(usage["errors"]),
        "duration_seconds": MetadataValue.float(round(time.monotonic() - started, 2)),
    }
