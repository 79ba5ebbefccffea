"""Keyword watches and their hits (the outbox of their webhooks); schema `analytics` for the
commenter audience tables

Revision ID: 0013
Revises: 0012
"""

from sql_files import run_sql_file

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(__file__, "up")


def downgrade() -> None:
    run_sql_file(__file__, "down")
