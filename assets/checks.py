"""Data-integrity checks on posts and comments, run with every materialization.

Integrity checks look at the window of the run's day partitions (the whole table for a run of
no partition). Blocking ones stop comments from being loaded on top of broken posts, and the
analytics from reading broken comments. Checks that compare a load with what VK showed live in
the assets themselves (posts_inside_window, posts_every_day_vk_showed, comments_inside_window),
since only the load knows what it read.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from assets.partitions import PARTITIONS_TIMEZONE, run_window
from assets.reporting.rendering import markdown_table
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
    table = markdown_table(["group", "post", "VK count", "loaded"],
                           ([str(r[key]) for key in ("group_id", "post_id", "vk_count", "loaded")] for r in off),
                           empty="none")
    return AssetCheckResult(
        passed=not off,
        severity=AssetCheckSeverity.WARN,
        metadata={"posts_off_by_more_than_tolerance": MetadataValue.int(len(off)),
                  "worst_posts": MetadataValue.md(table)},
    )


# The nightly schedule loads yesterday at 03:00 Moscow time; from 09:00 on, yesterday must be
# there (before 09:00, the day before it).
FRESHNESS_DEADLINE_HOUR = 9


def newest_day_expected(now: datetime) -> date:
    local = now.astimezone(ZoneInfo(PARTITIONS_TIMEZONE))
    days_back = 1 if local.hour >= FRESHNESS_DEADLINE_HOUR else 2
    return local.date() - timedelta(days=days_back)


def _freshness_check(asset: str):
    @asset_check(
        name=f"{asset}_fresh", asset=asset,
        description=f"The newest day partition of {asset} is no older than the nightly schedule "
        f"allows: yesterday, from {FRESHNESS_DEADLINE_HOUR}:00 {PARTITIONS_TIMEZONE} on.",
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        materialized = context.instance.get_materialized_partitions(AssetKey(asset))
        newest = max(materialized) if materialized else None
        expected = newest_day_expected(datetime.now(timezone.utc)).isoformat()
        return AssetCheckResult(
            passed=newest is not None and newest >= expected,
            metadata={"newest_partition": MetadataValue.text(newest or "none"),
                      "expected_at_least": MetadataValue.text(expected)},
        )

    return _check


freshness_checks = [_freshness_check("posts"), _freshness_check("comments")]
