"""Search

Revision ID: 0004
Revises: 0003
"""

from sql_files import run_sql_file

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
