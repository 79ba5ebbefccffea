"""The date partitions shared by posts and comments."""

from datetime import date

from dagster import BackfillPolicy, DailyPartitionsDefinition, TimeWindow

from resources.settings import SETTINGS

PARTITIONS_TIMEZONE = SETTINGS.partitions_timezone
PARTITIONS_START = SETTINGS.partitions_start
# The tags Dagster puts on a run of one day or of a range of days.
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

daily_partitions = DailyPartitionsDefinition(
    start_date=PARTITIONS_START,
    timezone=PARTITIONS_TIMEZONE,
)

# A backfill over a year becomes 12 runs of a month each, and each run reads every wall once
# for its whole range instead of once per day.
month_backfill_policy = BackfillPolicy.multi_run(max_partitions_per_run=31)


def range_tags(first: date | str, last: date | str) -> dict[str, str]:
    """The tags of one run over the days first..last (what a backfill or a schedule launches)."""
    return {RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)}


def run_partition_keys(tags) -> tuple[str | None, str | None]:
    """The first and last day partition keys of a run, from its tags (one day or a range)."""
    return (tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG),
            tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG))


def run_window(tags) -> TimeWindow | None:
    """The time window of the day partitions a run covers (one day or a range), from its tags;
    None for a run of no partition."""
    first, last = run_partition_keys(tags)
    if not first or not last:
        return None
    return TimeWindow(
        daily_partitions.time_window_for_partition_key(first).start,
        daily_partitions.time_window_for_partition_key(last).end,
    )
