"""Per-token VK limits shared by every process and machine: request pace, daily use, holds

Revision ID: 0010
Revises: 0007
"""

from sql_files import run_sql_file

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
