"""An index for the top commenters of a period, built without stopping the loads

Revision ID: 0012
Revises: 0011
"""

from sql_files import run_sql_file_online

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file_online(__file__, "up")


def downgrade() -> None:
    run_sql_file_online(__file__, "down")
