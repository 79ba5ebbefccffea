"""Core tables

Revision ID: 0001
Revises: 
"""

from sql_files import run_sql_file

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
