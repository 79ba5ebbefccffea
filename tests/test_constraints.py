"""The database itself refuses bad data, whatever code writes it."""

import psycopg
import pytest
from psycopg import errors

POST_TIME = "2026-11-10 12:00:00+00"


@pytest.fixture
def post(rows):
    rows.group(1)
    rows.post(1, 10, POST_TIME)
    return (1, 10)


def test_duplicate_keys_are_refused(rows, post):
    rows.comment(1, 10, 500, POST_TIME)
    with pytest.raises(errors.UniqueViolation):
        rows.group(1)
    with pytest.raises(errors.UniqueViolation):
        rows.post(1, 10, POST_TIME)
    with pytest.raises(errors.UniqueViolation):
        rows.comment(1, 10, 500, POST_TIME)


def test_orphans_are_refused(rows, post):
    with pytest.raises(errors.ForeignKeyViolation):
        rows.post(999, 1, POST_TIME)  # no such group
    with pytest.raises(errors.ForeignKeyViolation):
        rows.comment(1, 11, 501, POST_TIME)  # no such post
    # A comment must sit in its post's partition: the post's time is part of the reference.
    with pytest.raises(errors.ForeignKeyViolation):
        rows.comment(1, 10, 502, "2026-11-10 12:00:01+00", published_at="2026-11-11 00:00:00+00")


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO vk.tasks (kind, status) VALUES ('collect', 'running')",
        "INSERT INTO vk.tasks (kind, status, finished_at) VALUES ('collect', 'failed', now())",
        "INSERT INTO vk.tasks (kind, progress_done, progress_total) VALUES ('collect', 5, 3)",
        "INSERT INTO vk.tasks (kind, partition_start, partition_end) "
        "VALUES ('collect', '2026-02-01', '2026-01-01')",
        "INSERT INTO vk.groups (group_id, validation_status) VALUES (-5, 'valid')",
        "INSERT INTO vk.groups (group_id, validation_status) VALUES (5, 'maybe')",
        "INSERT INTO vk.groups (group_id, validation_status, deactivated, validation_reason) "
        "VALUES (5, 'valid', 'banned', 'x')",
        "INSERT INTO vk.group_uploads (file_name, content_hash, size_bytes, status) "
        "VALUES ('a.csv', 'not-a-hash', 1, 'received')",
        "INSERT INTO vk.group_uploads (file_name, content_hash, size_bytes, status, processed_at, "
        "lines_total, loaded_count) VALUES ('a.csv', repeat('a', 64), 1, 'processed', now(), 3, 1)",
        "INSERT INTO vk.posts (group_id, post_id, published_at, likes_count, raw) "
        "VALUES (1, 11, now(), -1, '{}')",
        "INSERT INTO vk.posts (group_id, post_id, published_at, raw) VALUES (1, 12, now(), '[]')",
    ],
)
def test_invalid_values_are_refused(db, rows, statement):
    rows.group(1)
    with pytest.raises(errors.CheckViolation):
        db.execute(statement)


def test_unknown_upload_line_outcome_is_refused(db):
    upload_id = db.execute(
        "INSERT INTO vk.group_uploads (file_name, content_hash, size_bytes) "
        "VALUES ('a.csv', repeat('b', 64), 10) RETURNING upload_id"
    ).fetchone()["upload_id"]
    with pytest.raises(errors.CheckViolation):
        db.execute(
            "INSERT INTO vk.group_upload_lines (upload_id, line_no, raw_text, parsed_ref, outcome, reason) "
            "VALUES (%s, 1, 'club1', 'id:1', 'fine', 'x')",
            (upload_id,),
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"is_deleted": False, "from_id": None},  # a live comment has an author
        {"is_deleted": True, "from_id": None, "text": "still here"},  # deleted ones have no text
        {"published_at": "2026-11-10 11:00:00+00"},  # before its post
        {"likes_count": -3},
        {"thread_root_id": 503},  # its own thread root
    ],
)
def test_invalid_comments_are_refused(rows, post, overrides):
    with pytest.raises(errors.CheckViolation):
        rows.comment(1, 10, 503, POST_TIME, **overrides)


def test_deleted_comment_without_author_is_accepted(db, rows, post):
    rows.comment(1, 10, 504, POST_TIME, is_deleted=True, from_id=None, text="")
    assert db.execute("SELECT count(*) AS n FROM vk.comments WHERE is_deleted").fetchone()["n"] == 1


def test_updated_at_is_maintained_by_the_database(db, rows):
    rows.group(1)
    before = db.execute("SELECT created_at, updated_at FROM vk.groups").fetchone()
    db.execute("UPDATE vk.groups SET name = 'renamed'")
    after = db.execute("SELECT created_at, updated_at FROM vk.groups").fetchone()
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]


def test_comment_partitions_are_created_on_demand(db, rows):
    old = "2019-03-05 10:00:00+00"
    rows.group(1)
    rows.post(1, 7, old)
    with pytest.raises(errors.CheckViolation, match="no partition"):
        rows.comment(1, 7, 1, old)
    created = db.execute(
        "SELECT vk.ensure_comment_partitions('2019-03-01', '2019-05-01') AS n").fetchone()["n"]
    assert created == 2
    rows.comment(1, 7, 1, old)
    partition = db.execute(
        "SELECT tableoid::regclass::text AS name FROM vk.comments WHERE comment_id = 1").fetchone()
    assert partition["name"] == "vk.comments_2019_03"
    assert db.execute(
        "SELECT vk.ensure_comment_partitions('2019-03-01', '2019-05-01') AS n").fetchone()["n"] == 0


def test_reader_role_reads_but_cannot_write(db, rows, post):
    db.execute("SET ROLE vk_reader")
    try:
        assert db.execute("SELECT count(*) AS n FROM vk.posts").fetchone()["n"] == 1
        for statement in (
            "INSERT INTO vk.tasks (kind) VALUES ('collect')",
            "UPDATE vk.posts SET text = 'x'",
            "DELETE FROM vk.groups",
            "SELECT vk.ensure_comment_partitions(now(), now() + interval '40 days')",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                db.execute(statement)
    finally:
        db.execute("RESET ROLE")


def test_loader_role_writes_data_but_not_schema(db, rows):
    db.execute("SET ROLE vk_loader")
    try:
        rows.group(2)
        rows.post(2, 1, POST_TIME)
        db.execute("SELECT vk.ensure_comment_partitions('2018-01-01', '2018-02-01')")
        rows.post(2, 2, "2018-01-15 00:00:00+00")
        rows.comment(2, 2, 9, "2018-01-15 00:00:00+00")
        assert db.execute("SELECT count(*) AS n FROM vk.comments").fetchone()["n"] == 1
        for statement in (
            "CREATE TABLE vk.sneaky (id int)",
            "ALTER TABLE vk.posts ADD COLUMN sneaky int",
            "DROP TABLE vk.tasks",
        ):
            with pytest.raises((errors.InsufficientPrivilege, errors.ProgrammingError)):
                db.execute(statement)
    finally:
        db.execute("RESET ROLE")
