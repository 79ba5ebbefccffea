"""Run leases: which processes of which runs are alive, so a killed run is noticed

Revision ID: 0006
Revises: 0005
"""

from sql_files import run_sql_file

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
