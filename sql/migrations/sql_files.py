"""Migrations are SQL files; each Alembic revision runs `<revision file stem>.<up|down>.sql`."""

from pathlib import Path

from alembic import op


def run_sql_file(migration_file: str, direction: str) -> None:
    path = Path(migration_file).with_suffix(f".{direction}.sql")
    # Straight to psycopg, inside Alembic's transaction: with no parameters psycopg neither
    # parses `%` placeholders (plpgsql's format('%I') must pass untouched) nor objects to a
    # multi-statement script, which SQLAlchemy's execute paths would both get in the way of.
    op.get_bind().connection.driver_connection.execute(path.read_text(encoding="utf-8"))
