"""Analytics as tables: post engagement and community days, for SQL, BI tools and spreadsheets

Revision ID: 0014
Revises: 0013
"""

from sql_files import run_sql_file

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
