"""The date partitions shared by posts and comments."""

import os

from dagster import BackfillPolicy, DailyPartitionsDefinition, TimeWindow

# VK's home timezone by default: "posts of 3 March" means a Moscow day to the people reading them.
PARTITIONS_TIMEZONE = os.environ.get("VK_PARTITIONS_TIMEZONE", "Europe/Moscow")
PARTITIONS_START = os.environ.get("VK_PARTITIONS_START", "2025-01-01")

daily_partitions = DailyPartitionsDefinition(
    start_date=PARTITIONS_START,
    timezone=PARTITIONS_TIMEZONE,
)

# A backfill over a year becomes 12 runs of a month each, and each run reads every wall once
# for its whole range instead of once per day.
month_backfill_policy = BackfillPolicy.multi_run(max_partitions_per_run=31)


def run_window(tags) -> TimeWindow | None:
    """The time window of the day partitions a run covers (one day or a range), from its tags;
    None for a run of no partition."""
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not first or not last:
        return None
    return TimeWindow(
        daily_partitions.time_window_for_partition_key(first).start,
        daily_partitions.time_window_for_partition_key(last).end,
    )
