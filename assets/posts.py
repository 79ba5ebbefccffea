"""Wall posts of the monitored communities, one partition per day."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from assets.partitions import daily_partitions, month_backfill_policy
from resources.database import PostgresResource


@asset(
    group_name="vk",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    deps=[AssetKey("groups")],
    partitions_def=daily_partitions,
    backfill_policy=month_backfill_policy,
    description="Wall posts (table vk.posts) published in the partition's day.",
)
def posts(context: AssetExecutionContext, database: PostgresResource) -> MaterializeResult:
    window = context.partition_time_window
    counts = database.fetch_all("posts_in_window", {"start": window.start, "end": window.end})[0]
    return MaterializeResult(metadata={"posts_in_window": MetadataValue.int(counts["posts"])})
