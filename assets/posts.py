"""Wall posts of the monitored communities, one partition per day."""

import math

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.loading.lanes import in_lanes
from assets.loading.rows import POST_COLUMNS, post_row
from assets.loading.steps import DAILY_VK_LOAD, CommunitiesConfig, VkLoad
from assets.partitions import PARTITIONS_TIMEZONE
from resources.database import MergeCounts, PostgresResource, copy_rows, load_sql
from resources.vk import VkApiResource


@asset(
    **DAILY_VK_LOAD,
    deps=[AssetKey("groups")],
    check_specs=[
        AssetCheckSpec("posts_inside_window", asset="posts", blocking=True,
                       description="Every post the load read lies inside the run's day partitions."),
        AssetCheckSpec("posts_every_day_vk_showed", asset="posts", blocking=True,
                       description="Every post VK showed for a community and day is in the table "
                       "after the load: no silent gaps."),
    ],
    description="Wall posts (table vk.posts) of every monitored community, published in the "
    "partition's day. A range of days (a backfill) reads each wall once for the whole range.",
)
def posts(context: AssetExecutionContext, config: CommunitiesConfig, database: PostgresResource,
          vk: VkApiResource) -> MaterializeResult:
    load = VkLoad.of(context, database, vk)
    window = load.window
    groups = [g for g in database.fetch_all("monitored_groups") if config.selects(g)]
    outcomes = load.begin(communities=len(groups))
    # The fewest wall.get calls that could have read these posts (100 a page, one page at the
    # least per wall): what the calls spent are measured against, in the metadata.
    wall_get_minimum = 0

    def read_wall(group: dict) -> list | None:
        if not outcomes.may_call_vk(group):
            return None
        with outcomes.attempt(group["group_id"]) as attempt:
            for item in load.client.iter_wall(-group["group_id"], window.start, window.end):
                attempt.rows.append(post_row(group["group_id"], item))
        # Posts read before a failure are real posts: they are kept.
        return attempt.rows

    with database.connection() as conn:
        conn.execute(load_sql("posts_stage"))
        # Lanes read walls side by side; this thread alone stages, in its one connection.
        for _, rows in in_lanes(groups, read_wall, load.client.lanes):
            if rows is None:
                continue
            copy_rows(conn, "posts_staging", POST_COLUMNS, rows)
            wall_get_minimum += max(1, math.ceil(len(rows) / 100))
        outside = conn.execute(load_sql("check_posts_staged_outside_window"),
                               {"start": window.start, "end": window.end}).fetchone()["failures"]
        counts = MergeCounts.from_upsert(conn.execute(load_sql("posts_upsert")).fetchone())
        # Only walls read to the end can say a post is gone.
        vanished = conn.execute(
            load_sql("posts_flag_vanished"),
            {"group_ids": outcomes.complete_group_ids(), "start": window.start, "end": window.end},
        ).rowcount
        gaps = conn.execute(load_sql("check_posts_staged_missing"),
                            {"timezone": PARTITIONS_TIMEZONE}).fetchall()
        load.loads.record(conn, outcomes.complete_group_ids())
    metadata = load.finish(context.log, counts, flagged_vanished=vanished,
                           wall_get_minimum=wall_get_minimum)
    return MaterializeResult(metadata=metadata, check_results=[
        AssetCheckResult(check_name="posts_inside_window", passed=outside == 0,
                         metadata={"posts_outside_window": MetadataValue.int(outside)}),
        AssetCheckResult(check_name="posts_every_day_vk_showed", passed=not gaps, metadata={
            "community_days_missing": MetadataValue.text(
                ", ".join(f"{gap['group_id']} on {gap['day']}" for gap in gaps) or "none"),
        }),
    ])

