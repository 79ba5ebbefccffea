"""Analytics as tables, the results of a whole period: posting times, top posts, engagement by
content, top commenters, comment terms

Revision ID: 0015
Revises: 0014
"""

from sql_files import run_sql_file

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
