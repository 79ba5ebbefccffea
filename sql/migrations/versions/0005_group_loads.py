"""Group loads: what a run has loaded, so its retries resume

Revision ID: 0005
Revises: 0004
"""

from sql_files import run_sql_file

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
