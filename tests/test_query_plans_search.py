"""Search and listings on a table big enough for the planner to mean it (~45k comments over
three months): each tier answers with the plan its design names, and answers exactly what a
brute-force query over all matches says."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from benchmarks.corpus import topic_params
from benchmarks.databases import run_script
from benchmarks.plans import explain
from query import search_comments
from query.prepared import WALK_PLANS, WINDOW_PLANS, plan_settings
from query.search import RELEVANCE_WINDOW
from query.search_months import edge_statement
from resources.database import load_sql, upgrade_schema
from resources.postgres_server import drop_database, ensure_database

CORPUS = dict(groups=10, posts_per_group=45, first_day="2026-01-01", last_day="2026-03-31",
              vocabulary=2000, sentences=5000, mean_comments=100, authors=5000,
              broad_word="погода", rare_word="криптограф", rare_share=0.0002)
NO_FILTERS = dict(words=None, hashtags=None, mentions=None, pairs=None, group_id=None,
                  post_id=None, author_id=None, since=None, until=None)


@pytest.fixture(scope="module")
def db(pg_server_url):
    name = f"vk_test_search_plans_{os.getpid()}"
    drop_database(pg_server_url, name)
    url = ensure_database(pg_server_url, name)
    upgrade_schema(url)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        for script in ("search_corpus_posts", "search_corpus_comments", "search_corpus_counts"):
            run_script(conn, script, {**CORPUS, **topic_params(CORPUS), "part": 0, "parts": 1})
        # VACUUM also empties the GIN pending list the inserts filled, as autovacuum would.
        conn.execute("VACUUM ANALYZE vk.comments")
        conn.execute("ANALYZE vk.posts")
        yield conn
    drop_database(pg_server_url, name)


def _index_scans(plan: dict, relation: str | None = None):
    """(index, table) of every index scan; a bitmap index scan's table is its heap scan's."""
    relation = plan.get("Relation Name", relation)
    if "Index Name" in plan:
        yield plan["Index Name"], relation
    for child in plan.get("Plans", []):
        yield from _index_scans(child, relation)


def _indexes_used(db, plan: dict) -> set[str]:
    """Parent index names of the partition indexes a plan scans, in partitions holding rows
    (for an empty month the planner's choice is a coin toss)."""
    filled = {row["relname"] for row in db.execute(
        "SELECT relname FROM pg_class WHERE relname LIKE 'comments_%%' AND reltuples > 0 "
        "UNION ALL SELECT 'posts'")}
    names = {index for index, table in _index_scans(plan) if table in filled}
    rows = db.execute(
        """
        SELECT child.relname AS child, coalesce(parent.relname, child.relname) AS parent
        FROM pg_class child
        LEFT JOIN pg_inherits i ON i.inhrelid = child.oid
        LEFT JOIN pg_class parent ON parent.oid = i.inhparent
        WHERE child.relname = ANY(%s)
        """, (list(names),)).fetchall()
    return {row["parent"] for row in rows}


def _custom_plan(db, query: str, params: dict) -> dict:
    return db.execute("EXPLAIN (FORMAT JSON) " + load_sql(query), params,
                      prepare=False).fetchone()["QUERY PLAN"][0]["Plan"]


def _generic_plan(db, query: str, params: dict) -> dict:
    return explain(db, load_sql(query), params, generic=True, options="FORMAT JSON")[0][
        "QUERY PLAN"][0]["Plan"]


def _search_params(words: str, **overrides) -> dict:
    from query.search import GATHER_CAP, _bounds

    return {**NO_FILTERS, "words": words, "ranked": False, "limit": 51, "cap": GATHER_CAP,
            "candidates": 51, **_bounds(None, None), **overrides}


def test_the_corpus_has_a_broad_and_a_rare_word(db):
    counts = db.execute(
        "SELECT count(*) AS total, count(*) FILTER (WHERE search @@ 'погод') AS broad, "
        "count(*) FILTER (WHERE search @@ 'криптограф') AS rare FROM vk.comments").fetchone()
    assert counts["total"] > 40_000
    assert 0.3 < counts["broad"] / counts["total"] < 0.36
    assert 1 <= counts["rare"] <= 30


def test_common_word_newest_first_walks_the_time_index(db):
    plan = _custom_plan(db, "search_comments", _search_params("погода"))
    assert _indexes_used(db, plan) == {"comments_time_idx"}, json.dumps(plan, indent=1)
    in_group = _custom_plan(db, "search_comments", _search_params("погода", group_id=2))
    assert _indexes_used(db, in_group) == {"comments_group_time_idx"}


def test_rare_word_goes_through_the_gin_index(db):
    plan = _custom_plan(db, "search_comments", _search_params("криптограф"))
    assert "comments_search_idx" in _indexes_used(db, plan), json.dumps(plan, indent=1)


def test_prepared_tiers_have_the_plans_they_are_written_for(db):
    probe = _generic_plan(db, "search_comments_recent",
                          _search_params("погода", since=psycopg.types.datetime.datetime(2000, 1, 1)))
    assert _indexes_used(db, probe) == {"comments_time_idx"}
    probe_in_group = _generic_plan(db, "search_comments_recent_in_group", _search_params(
        "погода", group_id=2, since=psycopg.types.datetime.datetime(2000, 1, 1)))
    assert _indexes_used(db, probe_in_group) == {"comments_group_time_idx"}
    few = _generic_plan(db, "search_comments_few", _search_params("криптограф"))
    # The pair index's branch is in the plan, behind a one-time filter: it runs for a phrase.
    assert _indexes_used(db, few) == {"comments_search_idx", "comments_phrase_pairs_idx"}
    assert "Gather" not in json.dumps(few)  # no parallel workers to start


def test_a_phrase_of_common_words_is_found_through_its_pairs(db):
    # 'погода' (a third of the comments) and 'маркер' are common, and stand side by side in
    # none: the comments holding both are many, the pair index knows there are none.
    pairs = db.execute("SELECT vk.tsquery_pairs(querytree(websearch_to_tsquery('russian', "
                       "%s))) AS pairs", ('"погода маркер"',)).fetchone()["pairs"]
    assert len(pairs) == 1
    few = _custom_plan(db, "search_comments_few", _search_params('"погода маркер"', pairs=pairs))
    assert "comments_phrase_pairs_idx" in _indexes_used(db, few), json.dumps(few, indent=1)


def _node_types(plan: dict):
    yield plan["Node Type"], plan.get("Index Name")
    for child in plan.get("Plans", []):
        yield from _node_types(child)


@pytest.mark.parametrize("group_id", [None, 2])
def test_a_months_window_is_counted_without_the_heap_and_read_through_two_indexes(db, group_id):
    month = datetime(2026, 2, 1, tzinfo=UTC)
    params = _search_params("погода", group_id=group_id, month_start=month,
                            month_end=month.replace(month=3), skip=300, want=51,
                            floor_published_at=month.replace(year=2000), floor_group_id=0,
                            floor_comment_id=0)
    edge_sql = edge_statement(sql.Identifier("vk", "comments_2026_02"))
    with plan_settings(db, WALK_PLANS):
        edge = db.execute(sql.SQL("EXPLAIN (FORMAT JSON) ") + edge_sql, params,
                          prepare=False).fetchone()["QUERY PLAN"][0]["Plan"]
        start = db.execute(edge_sql, params, prepare=False).fetchone()["published_at"]
    # Counted in the partition's time index (or its group's) alone: no comment from the heap.
    index = "comments_2026_02_group_id_published_at_idx" if group_id else \
        "comments_2026_02_published_at_group_id_comment_id_idx"
    assert ("Index Only Scan", index) in set(_node_types(edge)), json.dumps(edge, indent=1)
    with plan_settings(db, WINDOW_PLANS):
        window = _custom_plan(db, "search_month_window", {**params, "window_start": start})
    nodes = set(_node_types(window))
    assert ("BitmapAnd", None) in nodes and ("Bitmap Index Scan", "comments_2026_02_search_idx") in nodes


def _brute_force(db, words: str, ranked: bool, group_id=None) -> list[tuple[int, int]]:
    rows = db.execute(
        """
        WITH matches AS (
            SELECT group_id, comment_id, published_at,
                   ts_rank(search, websearch_to_tsquery('russian', %(words)s), 1) AS rank
            FROM vk.comments
            WHERE NOT is_deleted AND search @@ websearch_to_tsquery('russian', %(words)s)
              AND (%(group_id)s::bigint IS NULL OR group_id = %(group_id)s)
            ORDER BY published_at DESC, group_id DESC, comment_id DESC
            LIMIT %(window)s
        )
        SELECT group_id, comment_id FROM matches
        ORDER BY CASE WHEN %(ranked)s THEN rank ELSE 0 END DESC,
                 published_at DESC, group_id DESC, comment_id DESC
        """, {"words": words, "ranked": ranked, "group_id": group_id,
              "window": RELEVANCE_WINDOW if ranked else 10**9}).fetchall()
    return [(row["group_id"], row["comment_id"]) for row in rows]


@pytest.mark.parametrize("words, order, group_id, first_tier", [
    ("погода", "newest", None, "recent"),
    ("погода", "newest", 2, "recent"),
    ("погода", "relevance", None, "months"),
    ("погода", "relevance", 2, "months"),
    ("криптограф", "newest", None, "few"),
    ("криптограф", "relevance", 2, "few"),
])
def test_pages_equal_the_brute_force_answer(db, words, order, group_id, first_tier):
    expected = _brute_force(db, words, order == "relevance", group_id)
    pages, cursor = [], None
    for _ in range(3):
        page = search_comments(db, words, order=order, group_id=group_id, limit=50, cursor=cursor)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages[0].plan == first_tier
    found = [(item["group_id"], item["comment_id"]) for page in pages for item in page.items]
    assert found == expected[: len(found)] and len(found) == min(150, len(expected))


def test_listings_use_their_indexes(db):
    post = db.execute("SELECT group_id, post_id, published_at FROM vk.posts "
                      "ORDER BY comments_count DESC LIMIT 1").fetchone()
    plan = _custom_plan(db, "list_post_comments", {
        "group_id": post["group_id"], "post_id": post["post_id"],
        "post_published_at": post["published_at"], "after_thread_id": 0, "after_comment_id": 0,
        "limit": 51})
    assert _indexes_used(db, plan) == {"comments_thread_order_idx"}
    # A wall long enough that sorting it all would cost more than walking the index.
    db.execute("INSERT INTO vk.groups (group_id, name, validation_status) VALUES (99, 'big', 'valid')")
    db.execute("INSERT INTO vk.posts (group_id, post_id, published_at, likes_count, raw) "
               "SELECT 99, n, timestamptz '2026-01-01' + n * interval '1 minute', n % 1000, '{}' "
               "FROM generate_series(1, 5000) AS n")
    db.execute("ANALYZE vk.posts")
    by_engagement = _custom_plan(db, "list_group_posts_by_engagement", {
        "group_id": 99, "after_engagement": 2**31 - 1, "after_post_id": 0, "limit": 51})
    assert _indexes_used(db, by_engagement) == {"posts_group_engagement_idx"}
