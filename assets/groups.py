"""The communities to monitor."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from resources.database import PostgresResource


@asset(
    group_name="vk",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    description="Communities to monitor (table vk.groups), from uploaded group files validated "
    "against the VK API.",
)
def groups(context: AssetExecutionContext, database: PostgresResource) -> MaterializeResult:
    counts = database.fetch_all("group_counts")[0]
    return MaterializeResult(
        metadata={
            "monitored": MetadataValue.int(counts["monitored"]),
            "total": MetadataValue.int(counts["total"]),
        }
    )
