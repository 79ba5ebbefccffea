"""Migrations are SQL files; each Alembic revision runs `<revision file stem>.<up|down>.sql`.

`run_sql_file` runs the whole file inside the migration's transaction. `run_sql_file_online` is
for the migrations that must not stop the loads (sql/README.md, "Online migrations"): outside a
transaction, one statement at a time, `CONCURRENTLY` builds waiting as long as they need and
every other statement waiting for its locks only briefly, retried.
"""

import re
import time
from pathlib import Path

import psycopg
from alembic import op

# A statement that waits longer than this for a lock gives up and is tried again later: while
# it waits, every load that touches the table queues behind it.
LOCK_TIMEOUT = "200ms"
LOCK_ATTEMPTS = 100
PAUSE_BETWEEN_ATTEMPTS_SECONDS = 0.3

_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")
_COMMENT_LINE = re.compile(r"^\s*--.*$", re.MULTILINE)


def run_sql_file(migration_file: str, direction: str) -> None:
    path = Path(migration_file).with_suffix(f".{direction}.sql")
    # Straight to psycopg, inside Alembic's transaction: with no parameters psycopg neither
    # parses `%` placeholders (plpgsql's format('%I') must pass untouched) nor objects to a
    # multi-statement script, which SQLAlchemy's execute paths would both get in the way of.
    op.get_bind().connection.driver_connection.execute(path.read_text(encoding="utf-8"))


def run_sql_file_online(migration_file: str, direction: str) -> None:
    """Run `<stem>.<direction>.sql` statement by statement in autocommit. A statement ends with
    `;` at the end of a line (so no dollar-quoted bodies in these files). A SELECT writes the
    statements to run: each row's columns in order, NULLs skipped; that is how one file reaches
    every partition, whichever exist when it runs."""
    path = Path(migration_file).with_suffix(f".{direction}.sql")
    with op.get_context().autocommit_block():
        conn = op.get_bind().connection.driver_connection
        assert conn.autocommit, "CONCURRENTLY needs a connection outside any transaction"
        for statement in split_statements(path.read_text(encoding="utf-8")):
            if _is_select(statement):
                for row in conn.execute(statement).fetchall():
                    for generated in row:
                        if generated:
                            _run(conn, generated)
            else:
                _run(conn, statement)
        _set_lock_timeout(conn, "0")


def split_statements(script: str) -> list[str]:
    statements = (part.strip() for part in _STATEMENT_END.split(script))
    return [part for part in statements if _COMMENT_LINE.sub("", part).strip()]


def _is_select(statement: str) -> bool:
    return _COMMENT_LINE.sub("", statement).lstrip().upper().startswith("SELECT")


def _run(conn: psycopg.Connection, statement: str) -> None:
    # Judged on the code alone: a comment that mentions CONCURRENTLY must not lift the timeout.
    if "CONCURRENTLY" in _COMMENT_LINE.sub("", statement).upper():
        # A concurrent build waits for older transactions to end; a lock timeout would abort
        # it half-done, and it blocks no load while it waits.
        _set_lock_timeout(conn, "0")
        conn.execute(statement)
        return
    _set_lock_timeout(conn, LOCK_TIMEOUT)
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            conn.execute(statement)
            return
        except psycopg.errors.LockNotAvailable:
            if attempt == LOCK_ATTEMPTS:
                raise
            time.sleep(PAUSE_BETWEEN_ATTEMPTS_SECONDS)


def _set_lock_timeout(conn: psycopg.Connection, value: str) -> None:
    conn.execute("SELECT set_config('lock_timeout', %s, false)", [value])
