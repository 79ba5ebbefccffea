"""Comment partitions on demand only for a sane range of dates; the revision readable by the roles

Revision ID: 0007
Revises: 0006
"""

from sql_files import run_sql_file

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
