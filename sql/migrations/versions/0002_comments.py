"""Comments

Revision ID: 0002
Revises: 0001
"""

from sql_files import run_sql_file

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
