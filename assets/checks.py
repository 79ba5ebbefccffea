"""Data-integrity checks on posts and comments, run with every materialization.

Integrity checks look at the window of the run's day partitions (the whole table for a run of
no partition). Blocking ones stop comments from being loaded on top of broken posts, and the
analytics from reading broken comments. Checks that compare a load with what VK showed live in
the assets themselves (posts_inside_window, posts_every_day_vk_showed, comments_inside_window),
since only the load knows what it read.
"""

from datetime import datetime, timezone

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
    build_sensor_for_freshness_checks,
    build_time_partition_freshness_checks,
)

from assets.partitions import PARTITIONS_TIMEZONE, run_window
from resources.database import PostgresResource

EVERYTHING = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(9999, 1, 1, tzinfo=timezone.utc))

# VK's comments.count is a cached counter, not a count: it lags new comments by seconds to
# minutes, includes comments VK later hides, and comments keep arriving between the posts step
# (which read the counter) and the comments step. A difference of up to 5 comments or 10% of
# the counter is that noise; more means replies or pages were missed.
ABSOLUTE_TOLERANCE = 5
RELATIVE_TOLERANCE = 0.10


def _window(context: AssetCheckExecutionContext) -> tuple[datetime, datetime]:
    window = run_window(context.run.tags)
    return (window.start, window.end) if window else EVERYTHING


def _integrity_check(name: str, asset: str, query: str, description: str, blocking: bool = True):
    @asset_check(name=name, asset=asset, blocking=blocking, description=description)
    def _check(context: AssetCheckExecutionContext, database: PostgresResource) -> AssetCheckResult:
        start, end = _window(context)
        failures = database.fetch_all(query, {"start": start, "end": end})[0]["failures"]
        return AssetCheckResult(
            passed=failures == 0,
            metadata={"failing_rows": MetadataValue.int(failures),
                      "window": MetadataValue.text(f"{start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC")},
        )

    return _check


integrity_checks = [
    _integrity_check("posts_keys_unique", "posts", "check_posts_duplicate_keys",
                     "No two posts share a VK key (community, post id)."),
    _integrity_check("posts_have_groups", "posts", "check_posts_without_group",
                     "Every post belongs to a known community."),
    _integrity_check("posts_counters_non_negative", "posts", "check_posts_negative_counters",
                     "Comments, likes, reposts and views counters are never negative."),
    _integrity_check("comments_keys_unique", "comments", "check_comments_duplicate_keys",
                     "No two comments share a VK key (community, comment id)."),
    _integrity_check("comments_have_posts", "comments", "check_comments_without_post",
                     "Every comment belongs to a stored post, in that post's partition."),
    _integrity_check("comments_counters_non_negative", "comments", "check_comments_negative_counters",
                     "Likes and thread counters of comments are never negative."),
]


@asset_check(
    asset="comments",
    description=f"Loaded comments of each post match VK's comments.count within "
    f"max({ABSOLUTE_TOLERANCE}, {RELATIVE_TOLERANCE:.0%}): VK's counter is approximate (cached, "
    "lagging, counting comments it later hides).",
)
def comments_match_post_counts(context: AssetCheckExecutionContext, database: PostgresResource) -> AssetCheckResult:
    start, end = _window(context)
    off = database.fetch_all("check_comments_match_post_counts", {
        "start": start, "end": end,
        "absolute_tolerance": ABSOLUTE_TOLERANCE, "relative_tolerance": RELATIVE_TOLERANCE,
    })
    table = "\n".join(["| group | post | VK count | loaded |", "|---|---|---|---|"] +
                      [f"| {r['group_id']} | {r['post_id']} | {r['vk_count']} | {r['loaded']} |" for r in off])
    return AssetCheckResult(
        passed=not off,
        severity=AssetCheckSeverity.WARN,
        metadata={"posts_off_by_more_than_tolerance": MetadataValue.int(len(off)),
                  "worst_posts": MetadataValue.md(table if off else "none")},
    )


# The daily schedule loads yesterday at 03:00 Moscow time; by 09:00 it must be there.
freshness_checks = build_time_partition_freshness_checks(
    assets=["posts", "comments"], deadline_cron="0 9 * * *", timezone=PARTITIONS_TIMEZONE,
)
freshness_sensor = build_sensor_for_freshness_checks(freshness_checks=freshness_checks)
