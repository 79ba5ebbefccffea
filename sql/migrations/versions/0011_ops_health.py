"""Schema ops: the database health snapshots, for the UI's asset and for other tools

Revision ID: 0011
Revises: 0010
"""

from sql_files import run_sql_file

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
