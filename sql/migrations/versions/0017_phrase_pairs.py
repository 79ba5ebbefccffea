"""Phrase search: an index of the word pairs that stand side by side, built without stopping the loads

Revision ID: 0017
Revises: 0016
"""

from sql_files import run_sql_file_online

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file_online(__file__, "up")


def downgrade() -> None:
    run_sql_file_online(__file__, "down")
