"""The comments table is laid out for the queries it serves: EXPLAIN shows it."""

import json
import os

import psycopg
import pytest
from psycopg.rows import dict_row

from resources.database import upgrade_schema
from resources.postgres_server import drop_database, ensure_database


def _plan(db, query: str, params=None) -> dict:
    row = db.execute(f"EXPLAIN (FORMAT JSON) {query}", params).fetchone()
    return row["QUERY PLAN"][0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.fixture(scope="module")
def db(pg_server_url):
    """A database of its own, filled once for the module: ~120k comments over three months,
    one rare word among them (the planner needs a table of some size to prefer an index)."""
    name = f"vk_test_plans_{os.getpid()}"
    drop_database(pg_server_url, name)
    url = ensure_database(pg_server_url, name)
    upgrade_schema(url)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        _fill(conn)
        yield conn
    drop_database(pg_server_url, name)


def _fill(db):
    db.execute("INSERT INTO vk.groups (group_id, name, validation_status) VALUES (1, 'g', 'valid')")
    db.execute("SELECT vk.ensure_comment_partitions('2026-08-01', '2026-11-01')")
    db.execute(
        """
        INSERT INTO vk.posts (group_id, post_id, published_at, raw)
        SELECT 1, n, timestamptz '2026-08-01' + (n * interval '1 hour'), '{}'
        FROM generate_series(1, 2000) AS n
        """
    )
    db.execute(
        """
        INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at,
                                 from_id, text, raw)
        SELECT 1, p.post_id * 100 + k, p.post_id, p.published_at, p.published_at + k * interval '1 minute',
               1000 + k,
               CASE WHEN p.post_id = 77 AND k = 3 THEN 'Редчайший криптограф пишет'
                    ELSE 'Обычный комментарий про погоду и новости ' || k END,
               '{}'
        FROM vk.posts p CROSS JOIN generate_series(1, 60) AS k
        """
    )
    db.execute("ANALYZE vk.comments")


def test_month_filter_touches_only_that_months_partition(db):
    plan = _plan(
        db,
        "SELECT count(*) FROM vk.comments "
        "WHERE post_published_at >= '2026-09-01' AND post_published_at < '2026-10-01'",
    )
    scanned = {node["Relation Name"] for node in _nodes(plan) if "Relation Name" in node}
    assert scanned == {"comments_2026_09"}, json.dumps(plan, indent=1)


def test_word_search_uses_the_gin_index(db):
    query = ("SELECT comment_id FROM vk.comments "
             "WHERE search @@ websearch_to_tsquery('russian', %s)")
    plan = _plan(db, query, ("криптографы",))
    index_names = {node.get("Index Name") for node in _nodes(plan)}
    assert any(name and name.endswith("search_idx") for name in index_names), json.dumps(plan, indent=1)
    # Stemming: the plural in the query finds the singular in the text.
    found = db.execute(query, ("криптографы",)).fetchall()
    assert [row["comment_id"] for row in found] == [7703]
