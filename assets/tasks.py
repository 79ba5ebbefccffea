"""The tasks table: Dagster runs mirrored for other applications to follow and request work."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from resources.database import PostgresResource


@asset(
    group_name="operations",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    description="Table vk.tasks: one row per unit of work, following the Dagster run's status.",
)
def tasks(context: AssetExecutionContext, database: PostgresResource) -> MaterializeResult:
    rows = database.fetch_all("task_status_counts")
    return MaterializeResult(
        metadata={f"tasks_{row['status']}": MetadataValue.int(row["tasks"]) for row in rows}
    )
