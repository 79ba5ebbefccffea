"""A dump of the application database restores into an empty database whole: every row, the
partitions and their indexes, and the migrations at head."""

import subprocess

import psycopg
from psycopg.rows import dict_row

from assets.database_health import make_partitions_ahead, measure, record
from resources.backups import dump, restore, server_major, tool_for
from resources.database import current_revision, head_revision

TABLE_COUNTS = """
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('vk', 'ops') AND c.relkind = 'r' ORDER BY 1
"""


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(TABLE_COUNTS)]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def sample(url: str, query: str) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query).fetchall()


def test_the_tools_match_the_server(migrated_database):
    major = server_major(migrated_database)
    assert f"{major}." in subprocess.run(
        [str(tool_for(migrated_database, "pg_dump")), "--version"],
        capture_output=True, text=True).stdout


def test_a_dump_restores_every_row_and_the_revision(db, rows, migrated_database, empty_database, tmp_path):
    db.execute("SELECT vk.ensure_comment_partitions('2026-10-01', '2026-12-01')")
    for group_id in (1, 2, 3):
        rows.group(group_id)
        for post_id, day in enumerate(("2026-10-05T10:00:00Z", "2026-11-20T10:00:00Z"), start=1):
            rows.post(group_id, post_id, day, text=f"post {post_id} «кириллица»")
            for comment_id in range(1, 21):
                rows.comment(group_id, post_id, post_id * 100 + comment_id, day,
                             text=f"комментарий {comment_id} #тег", hashtags=["тег"])
    with psycopg.connect(migrated_database, row_factory=dict_row) as conn:
        make_partitions_ahead(conn)
        record(conn, measure(conn))  # schema ops travels too

    restore(dump(migrated_database, tmp_path / "vk.dump"), empty_database)

    before, after = counts(migrated_database), counts(empty_database)
    assert after == before
    assert before["vk.comments_2026_10"] == before["vk.comments_2026_11"] == 60
    assert before["ops.relation_sizes"] > 0
    comments = ("SELECT * FROM vk.comments ORDER BY group_id, comment_id, post_published_at "
                "LIMIT 40 OFFSET 10")
    assert sample(empty_database, comments) == sample(migrated_database, comments)
    assert len(sample(empty_database, comments)) == 40
    posts = "SELECT * FROM vk.posts ORDER BY group_id, post_id"
    assert sample(empty_database, posts) == sample(migrated_database, posts)

    assert current_revision(empty_database) == head_revision()
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = 'vk' AND NOT i.indisvalid").fetchone()[0] == 0
        # Search still works on the restored generated column and its index.
        assert conn.execute("SELECT count(*) FROM vk.comments "
                            "WHERE search @@ plainto_tsquery('russian', 'комментарий')").fetchone()[0] == 120
        assert conn.execute("SELECT has_table_privilege('vk_reader', 'vk.comments', 'SELECT')").fetchone()[0]
