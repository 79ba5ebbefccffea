"""vk.tsquery_lexemes: the lexemes of a text-search query, read back from its text

Revision ID: 0016
Revises: 0015
"""

from sql_files import run_sql_file

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
