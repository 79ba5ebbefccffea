"""Comments of the posts of each day, every reply branch included."""

from dataclasses import dataclass, field

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
from assets.loading.rows import COMMENT_COLUMNS, comment_row
from assets.loading.steps import DAILY_VK_LOAD, CommunitiesConfig, VkLoad
from resources.database import MergeCounts, PostgresResource, copy_rows, load_sql
from resources.vk import VkApiResource

# Posts whose comments are fetched (and staged) together: the client batches their calls 25
# to an `execute`, and memory holds one batch's comments at a time, not a whole group's.
POSTS_PER_BATCH = 100
COMMENTS_CLOSED = 212


@asset(
    **DAILY_VK_LOAD,
    deps=[AssetKey("posts")],
    check_specs=[AssetCheckSpec(
        "comments_inside_window", asset="comments", blocking=True,
        description="Every comment the load read belongs to a post inside the run's day partitions.")],
    description="Comments (table vk.comments, partitioned by month) of the posts published in "
    "the partition's day: every reply branch, deleted comments flagged, closed comments "
    "recorded on the post. Re-materializing brings new comments in and updates counters.",
)
def comments(context: AssetExecutionContext, config: CommunitiesConfig, database: PostgresResource,
             vk: VkApiResource) -> MaterializeResult:
    load = VkLoad.of(context, database, vk)
    window = load.window
    counts = MergeCounts()
    vanished = closed = outside = 0
    with database.connection() as conn:
        # Partitions are created in a transaction of their own: creating one locks the table.
        conn.execute(load_sql("ensure_comment_partitions"), {"start": window.start, "end": window.end})
        conn.commit()
        groups = {g["group_id"]: g for g in conn.execute(load_sql("monitored_groups")) if config.selects(g)}
        posts = [post for post in conn.execute(load_sql("posts_for_comments"),
                                               {"start": window.start, "end": window.end})
                 if post["group_id"] in groups]
    posts_of: dict[int, list[dict]] = {}
    for post in posts:
        posts_of.setdefault(post["group_id"], []).append(post)
    outcomes = load.begin(communities=len(posts_of))

    def load_group(group_id: int) -> _GroupLoad | None:
        if not outcomes.may_call_vk(groups[group_id]):
            return None
        done = _GroupLoad()
        # One transaction per community: a crash leaves each group either as before or complete.
        with database.connection() as conn:
            conn.execute(load_sql("comments_stage"))
            statuses: dict[int, tuple[str, str | None]] = {}
            with outcomes.attempt(group_id):
                for batch in _batches(posts_of[group_id], POSTS_PER_BATCH):
                    results = load.client.get_comments(-group_id, [post["post_id"] for post in batch])
                    rows = []
                    for post in batch:
                        result = results[post["post_id"]]
                        statuses[post["post_id"]] = _comments_status(result.error)
                        rows.extend(comment_row(group_id, post["post_id"], post["published_at"], item)
                                    for item in result.items)
                    copy_rows(conn, "comments_staging", COMMENT_COLUMNS, rows)
            done.outside = conn.execute(load_sql("check_comments_staged_outside_window"),
                                        {"start": window.start, "end": window.end}).fetchone()["failures"]
            done.counts = MergeCounts.from_upsert(conn.execute(load_sql("comments_upsert")).fetchone())
            complete = [post_id for post_id, (status, _) in statuses.items() if status == "open"]
            done.vanished = conn.execute(
                load_sql("comments_flag_vanished"),
                {"group_id": group_id, "post_ids": complete, "start": window.start, "end": window.end},
            ).rowcount
            done.closed = sum(1 for status, _ in statuses.values() if status == "closed")
            conn.execute(load_sql("posts_set_comments_status"), {
                "group_id": group_id,
                "post_ids": list(statuses),
                "statuses": [status for status, _ in statuses.values()],
                "reasons": [reason for _, reason in statuses.values()],
            })
            if outcomes.loaded(group_id):
                load.loads.record(conn, [group_id])
        return done

    # Each lane holds a connection for its community's transaction; one is left for progress.
    lanes = min(load.client.lanes, database.pool_size - 1)
    # The biggest communities first, so that no long one starts last and runs on alone.
    biggest_first = sorted(posts_of, key=lambda group_id: -len(posts_of[group_id]))
    for _, done in in_lanes(biggest_first, load_group, lanes):
        if done is not None:
            counts += done.counts
            vanished, closed, outside = (vanished + done.vanished, closed + done.closed,
                                         outside + done.outside)
    metadata = load.finish(context.log, counts, flagged_deleted=vanished, posts=len(posts),
                           posts_with_comments_closed=closed)
    return MaterializeResult(metadata=metadata, check_results=[AssetCheckResult(
        check_name="comments_inside_window", passed=outside == 0,
        metadata={"comments_outside_window": MetadataValue.int(outside)})])


@dataclass
class _GroupLoad:
    """What storing one community's comments did."""

    counts: MergeCounts = field(default_factory=MergeCounts)
    vanished: int = 0
    closed: int = 0
    outside: int = 0


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _comments_status(error) -> tuple[str, str | None]:
    if error is None:
        return "open", None
    if getattr(error, "code", None) == COMMENTS_CLOSED:
        return "closed", str(error)
    return "unavailable", str(error)
