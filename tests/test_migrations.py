"""Every migration walks up, down to base and up again on a real server."""

import psycopg
from alembic.config import Config
from alembic.script import ScriptDirectory

from resources.database import (
    ALEMBIC_INI,
    SQL_DIR,
    current_revision,
    downgrade_schema,
    upgrade_schema,
)


def _revisions_in_order() -> list[str]:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(SQL_DIR / "migrations"))
    script = ScriptDirectory.from_config(config)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _schema_objects(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'vk' AND c.relkind IN ('r', 'p')
            UNION ALL
            SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'vk'
            """
        ).fetchall()
    return {row[0] for row in rows}


def test_every_revision_goes_up_down_and_up_again(empty_database):
    revisions = _revisions_in_order()
    assert revisions[0] == "0001" and len(revisions) >= 3

    seen_at: dict[str, set[str]] = {}
    for revision in revisions:
        upgrade_schema(empty_database, revision)
        assert current_revision(empty_database) == revision
        seen_at[revision] = _schema_objects(empty_database)
    assert {"groups", "posts", "comments", "tasks", "group_uploads", "group_upload_lines",
            "group_snapshots", "ensure_comment_partitions"} <= seen_at[revisions[-1]]

    # Down one step at a time: each downgrade restores exactly the previous revision's objects.
    for previous, revision in reversed(list(zip(revisions, revisions[1:]))):
        downgrade_schema(empty_database, previous)
        assert current_revision(empty_database) == previous
        assert _schema_objects(empty_database) == seen_at[previous], f"downgrade of {revision}"

    downgrade_schema(empty_database, "base")
    assert current_revision(empty_database) is None
    assert _schema_objects(empty_database) == set()

    upgrade_schema(empty_database, "head")
    assert current_revision(empty_database) == revisions[-1]
    assert _schema_objects(empty_database) == seen_at[revisions[-1]]


def test_roles_survive_for_other_databases_but_lose_grants_here(empty_database, migrated_database):
    # Roles are cluster-wide: downgrading one database must not break another that uses them.
    upgrade_schema(empty_database)
    downgrade_schema(empty_database, "0002")
    with psycopg.connect(migrated_database) as conn:
        assert conn.execute(
            "SELECT has_table_privilege('vk_reader', 'vk.comments', 'SELECT')"
        ).fetchone()[0] is True
    with psycopg.connect(empty_database) as conn:
        assert conn.execute(
            "SELECT has_table_privilege('vk_reader', 'vk.comments', 'SELECT')"
        ).fetchone()[0] is False
