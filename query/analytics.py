"""The analytics tables (schema `analytics`) listed a keyset page at a time in the order of
each table's primary key, so that `python -m query analytics <table> --output` exports them
the way every other listing exports.

Which tables may be listed is the fixed list below: a table name from the command line picks
an entry of it and reaches the SQL only as the identifier of that entry. Each table's key is
read from the catalog, so its migration stays the one place that says what it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import sql

from query.pages import (
    INT64_MIN,
    Page,
    check_limit,
    decode_cursor,
    encode_cursor,
    int64,
    keyset,
    page_of,
)
from resources.database import load_sql


@dataclass(frozen=True)
class AnalyticsTable:
    """What the filters of a listing mean for a table: the column `group_id` filters on, and
    the columns of the first and last day a row answers for (None: the filter is refused)."""

    group_column: str | None
    days: tuple[str, str] | None


PER_DAY = AnalyticsTable("group_id", ("day", "day"))
PERIOD_DAYS = ("period_start", "period_end")
TABLES = {
    "post_engagement": PER_DAY,
    "community_days": PER_DAY,
    "posting_time_heatmap": AnalyticsTable("group_id", PERIOD_DAYS),
    "top_posts_of_period": AnalyticsTable("group_id", PERIOD_DAYS),
    "engagement_by_content": AnalyticsTable(None, PERIOD_DAYS),
    "top_commenters": AnalyticsTable(None, PERIOD_DAYS),
    "comment_terms": AnalyticsTable(None, PERIOD_DAYS),
    # The audience tables hold one period, the last one computed, as instants.
    "commenter_audience": AnalyticsTable("group_id", None),
    "commenter_overlap": AnalyticsTable(None, None),
    "cross_commenters": AnalyticsTable(None, None),
}
ANALYTICS_TABLES = tuple(TABLES)
# The Python type a key column's values have, and a value below every one of them: the first
# page starts after it.
KEY_TYPES = {"bigint": int, "integer": int, "smallint": int, "text": str, "date": date}
LOWEST = {int: INT64_MIN, str: "", date: date.min}


def list_analytics_table(conn: psycopg.Connection, table: str, *, group_id: int | None = None,
                         since: date | None = None, until: date | None = None, limit: int = 50,
                         cursor: str | None = None) -> Page:
    """One page of `analytics.<table>`, every column, in primary key order; `group_id`, `since`
    and `until` (days, both included) keep the rows of one community and of the days or
    periods within those days. Raises LookupError for a table the schema does not have yet."""
    shape = TABLES.get(table)
    if shape is None:
        raise ValueError(f"table must be one of {', '.join(ANALYTICS_TABLES)}")
    if group_id is not None and shape.group_column is None:
        raise ValueError(f"analytics.{table} is not kept per community: --group does not apply")
    if (since or until) and shape.days is None:
        raise ValueError(f"analytics.{table} holds the last period computed: --since and "
                         "--until do not apply")
    check_limit(limit)
    key = _primary_key(conn, table)
    arguments = {"table": table, "group_id": group_id, "since": since, "until": until}
    position = decode_cursor(cursor, "analytics", arguments)
    after = keyset(position, "after", *key.values()) or [LOWEST[kind] for kind in key.values()]
    first_day, last_day = map(sql.Identifier, shape.days) if shape.days else (sql.NULL, sql.NULL)
    statement = sql.SQL(load_sql("analytics_table_page")).format(
        table=sql.Identifier("analytics", table),
        key=sql.SQL(", ").join(map(sql.Identifier, key)),
        after=sql.SQL(", ").join(sql.Placeholder(f"after_{n}") for n in range(len(key))),
        group_column=sql.Identifier(shape.group_column) if shape.group_column else sql.NULL,
        first_day=first_day, last_day=last_day)
    rows = conn.execute(statement, {
        "group_id": int64(group_id, "group_id"), "since": since, "until": until, "limit": limit + 1,
        **{f"after_{n}": int64(value, "cursor") if isinstance(value, int) else value
           for n, value in enumerate(after)},
    }).fetchall()
    return page_of(rows, limit, lambda last: encode_cursor(
        "analytics", arguments, {"after": [last[column] for column in key]}))


def _primary_key(conn: psycopg.Connection, table: str) -> dict[str, type]:
    columns = conn.execute(load_sql("analytics_table_key"), {"table": table}).fetchall()
    if not columns:
        raise LookupError(f"analytics.{table} is not in the database (migrate it first)")
    return {column["name"]: KEY_TYPES[column["type"]] for column in columns}
