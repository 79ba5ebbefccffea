"""Comments of the posts of each day, every reply branch included."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from assets.partitions import daily_partitions, month_backfill_policy
from resources.database import PostgresResource


@asset(
    group_name="vk",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    deps=[AssetKey("posts")],
    partitions_def=daily_partitions,
    backfill_policy=month_backfill_policy,
    description="Comments (table vk.comments, partitioned by month) of the posts published in "
    "the partition's day.",
)
def comments(context: AssetExecutionContext, database: PostgresResource) -> MaterializeResult:
    window = context.partition_time_window
    counts = database.fetch_all("comments_in_window", {"start": window.start, "end": window.end})[0]
    return MaterializeResult(metadata={"comments_in_window": MetadataValue.int(counts["comments"])})
