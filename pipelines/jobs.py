"""Jobs: named selections of assets that schedules, sensors and people launch."""

from dagster import AssetCheckKey, AssetKey, AssetSelection, define_asset_job

# The main job: communities, then their posts and comments for the requested days.
collect_job = define_asset_job(
    "collect",
    selection=AssetSelection.assets("groups", "posts", "comments"),
    description="Refresh the communities, then load posts and comments of the requested days.",
)

# Posts and comments only: what schedules and backfills of date partitions run.
posts_and_comments_job = define_asset_job(
    "posts_and_comments",
    selection=AssetSelection.assets("posts", "comments"),
    description="Load posts and comments of the requested days.",
)

refresh_groups_job = define_asset_job(
    "refresh_groups",
    selection=AssetSelection.assets("groups"),
    description="Process uploaded group files, refresh every monitored community and snapshot "
    "its members count.",
)

# Freshness is a question of time passing, not of a load: asked on its own every morning.
freshness_job = define_asset_job(
    "freshness_checks",
    selection=AssetSelection.checks(
        *(AssetCheckKey(AssetKey(asset), f"{asset}_fresh") for asset in ("posts", "comments"))),
    description="Check that the newest day of posts and comments is loaded.",
)

reconcile_tasks_job = define_asset_job(
    "reconcile_tasks",
    selection=AssetSelection.assets("tasks"),
    description="Bring vk.tasks up to date with every run the Dagster instance knows.",
)
