"""Benchmark 1: comments through the real loading path against a raw COPY of the same rows.

The rows: a stand-in world's comments rendered as VK items (replies, deleted comments, likes,
attachments, hashtags, emoji), turned into rows by assets.loading.rows.comment_row, and repeated
under several community ids until there are at least `target_rows`. Making them is not timed.

The loading path is the comments asset's: per community one transaction of
sql/queries/comments_stage.sql, COPY into the staging table 100 posts at a time
(resources.database.copy_rows), then sql/queries/comments_upsert.sql. The baseline COPYs the
same rows into bench.comments_raw, which has vk.comments' shape, indexes, foreign key and
partitions. The two alternate community by community, so checkpoints, autovacuum and the
growing indexes fall on both alike.

Into a sweep corpus (run_into_corpus): the same rows, dated in the corpus's newest month, go
through both sides into vk.comments itself, beside the millions already there (raw COPY under
community ids of its own), and are deleted afterwards: how loading costs as the table grows.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Callable

import psycopg

from assets.comments import POSTS_PER_BATCH
from assets.loading.rows import COMMENT_COLUMNS, POST_COLUMNS, comment_row, post_row, timestamp
from benchmarks.databases import load_query, run_script
from resources.database import MergeCounts, PostgresResource, copy_rows, load_sql
from vk_standin.world import World

WORLD = dict(seed=2026, n_groups=4, start=datetime(2026, 1, 1, tzinfo=UTC), days=30,
             posts_per_day=20.0, mean_comments=170.0, max_comments=3000,
             n_closed=0, n_private=0, n_deleted=0, n_banned=0)
INGEST_ROWS = 2_000_000
# Into a corpus: one copy of the world (about 400,000 rows a side), the corpus's month of
# comments at 5 M about half of that, at 20 M twice it.
CORPUS_INGEST_ROWS = 400_000
# Community ids of the copies: far from the world's own ids, unique per copy.
COPY_ID_STEP = 10**10
# Into a sweep corpus: the loading path's communities from here on, raw COPY's from RAW_IDS
# on, far above the corpus's own.
PATH_IDS = 10**12
RAW_IDS = 2 * 10**12


@dataclass
class Community:
    """One world community's posts and its comment rows, batched as the asset stages them."""

    group_id: int
    posts: list[tuple]
    batches: list[list[tuple]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(map(len, self.batches))


def world_communities(world: World) -> list[Community]:
    communities = []
    for group_id in world.group_ids("open"):
        posts = world.posts(group_id=group_id)
        community = Community(group_id, [post_row(group_id, post) for post in posts])
        for start in range(0, len(posts), POSTS_PER_BATCH):
            batch = []
            for post in posts[start:start + POSTS_PER_BATCH]:
                tree = world.comment_tree(group_id, post["id"])
                published = timestamp(post["date"])
                # Rendered as world.comments() does, without its defensive deep copy.
                batch += [comment_row(group_id, post["id"], published, world.render_comment(
                    comment, tree, need_likes=True, preview_length=0, thread_items=None))
                    for comment in tree.order]
            community.batches.append(batch)
        communities.append(community)
    return communities


def _as_community(rows: list[tuple], group_id: int) -> list[tuple]:
    return [(group_id, *row[1:]) for row in rows]


def run(url: str, target_rows: int = INGEST_ROWS, log: Callable[[str], None] = print) -> dict:
    """Into an empty database: raw COPY into bench.comments_raw, shaped like vk.comments."""
    world = World(**WORLD)
    with psycopg.connect(url, autocommit=True) as conn:
        # The raw table copies vk.comments' partitions: the world's month must be one of them.
        conn.execute(load_sql("ensure_comment_partitions"), {"start": world.start, "end": world.end})
        run_script(conn, "raw_comments_table")
    figures = _alternate(url, world, target_rows, path_ids=0, raw_ids=0,
                         raw_table="bench.comments_raw", log=log)
    with psycopg.connect(url, autocommit=True) as conn:
        loaded, raw_loaded = conn.execute(load_query("ingest_counts")).fetchone()
        run_script(conn, "raw_comments_drop")
    return _checked(figures, loaded, raw_loaded)


def run_into_corpus(url: str, target_rows: int = CORPUS_INGEST_ROWS, log: Callable[[str], None] = print) -> dict:
    """Into a sweep corpus's vk.comments, in its newest month, both sides; deleted afterwards."""
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute(load_query("corpus_newest_month")).fetchone()
    world = World(**{**WORLD, "start": before[0]})
    figures = _alternate(url, world, target_rows, path_ids=PATH_IDS, raw_ids=RAW_IDS,
                         raw_table="vk.comments", log=log)
    ids = {"path_ids": PATH_IDS, "raw_ids": RAW_IDS}
    with psycopg.connect(url, autocommit=True) as conn:
        loaded, raw_loaded = conn.execute(load_query("ingest_counts_in_corpus"), ids).fetchone()
        run_script(conn, "ingest_corpus_cleanup", ids)
        conn.execute("VACUUM ANALYZE vk.comments")
    return {**_checked(figures, loaded, raw_loaded), "month": before[0].date().isoformat(),
            "month_comments_before": before[1], "comments_before": before[2]}


def _alternate(url: str, world: World, target_rows: int, path_ids: int, raw_ids: int,
               raw_table: str, log: Callable[[str], None]) -> dict:
    started = time.monotonic()
    communities = world_communities(world)
    per_copy = sum(c.rows for c in communities)
    copies = -(-target_rows // per_copy)
    log(f"ingest: {per_copy:,} comment rows from the world in {time.monotonic() - started:.0f} s, "
        f"{copies} copies -> {per_copy * copies:,} rows")

    def group_id(community: Community, copy: int, first_id: int) -> int:
        return first_id + community.group_id + copy * COPY_ID_STEP

    database = PostgresResource(database_url=url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(load_sql("ensure_comment_partitions"), {"start": world.start, "end": world.end})
        for copy in range(copies):
            for community in communities:
                for first_id in {path_ids, raw_ids}:
                    copy_rows(conn, "vk.groups", ("group_id", "name", "validation_status"),
                              [(group_id(community, copy, first_id), f"copy {copy} of {community.group_id}",
                                "valid")])
                    copy_rows(conn, "vk.posts", POST_COLUMNS,
                              _as_community(community.posts, group_id(community, copy, first_id)))

    path_seconds = raw_seconds = 0.0
    merged = MergeCounts()
    unit = 0
    for copy in range(copies):
        for community in communities:
            for first in (("path", "raw") if unit % 2 == 0 else ("raw", "path")):
                if first == "path":
                    batches = [_as_community(batch, group_id(community, copy, path_ids))
                               for batch in community.batches]
                    seconds, counts = _load_through_path(database, batches)
                    path_seconds += seconds
                    merged += counts
                else:
                    batches = [_as_community(batch, group_id(community, copy, raw_ids))
                               for batch in community.batches]
                    raw_seconds += _raw_copy(url, raw_table, batches)
            unit += 1
        log(f"ingest: copy {copy + 1}/{copies}: path {path_seconds:.1f} s, raw COPY {raw_seconds:.1f} s")
    return {"rows": per_copy * copies, "merged": merged, "path_seconds": path_seconds,
            "raw_seconds": raw_seconds, "transactions": unit}


def _checked(figures: dict, loaded: int, raw_loaded: int) -> dict:
    rows, merged = figures["rows"], figures.pop("merged")
    if not loaded == raw_loaded == rows == merged.inserted:
        raise RuntimeError(f"rows lost: {rows} made, {loaded} loaded, {raw_loaded} copied, {merged}")
    return {**figures, "path_rows_per_second": rows / figures["path_seconds"],
            "raw_rows_per_second": rows / figures["raw_seconds"],
            "ratio": figures["raw_seconds"] / figures["path_seconds"]}


def _load_through_path(database: PostgresResource, batches: list[list[tuple]]) -> tuple[float, MergeCounts]:
    started = time.perf_counter()
    with database.connection() as conn:
        conn.execute(load_sql("comments_stage"))
        for batch in batches:
            copy_rows(conn, "comments_staging", COMMENT_COLUMNS, batch)
        counts = MergeCounts.from_upsert(conn.execute(load_sql("comments_upsert")).fetchone())
    return time.perf_counter() - started, counts


def _raw_copy(url: str, table: str, batches: list[list[tuple]]) -> float:
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        for batch in batches:
            copy_rows(conn, table, COMMENT_COLUMNS, batch)
        conn.commit()
        return time.perf_counter() - started
