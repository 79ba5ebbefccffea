"""Analytics results kept as tables (schema `analytics`): each run replaces its period's rows,
so SQL, a BI tool or a spreadsheet reads the same numbers the asset page shows."""

from __future__ import annotations

import pandas as pd

from resources.database import PostgresResource, copy_rows, load_sql

# What a table of a whole period's answer (migration 0015) is keyed by besides its own rows:
# the period's first and last day, as AnalyticsPeriod.params() gives them.
PERIOD_KEY = ["period_start", "period_end"]


def replace_period(database: PostgresResource, table: str, frame: pd.DataFrame,
                   columns: list[str], params: dict, *, keyed_by_period: bool = False) -> int:
    """Delete the period's rows of `analytics.<table>` and COPY the frame's in their place, in
    one transaction (a reader sees the old answer or the new, never half of each; a second run
    waits for the first and replaces its rows). `keyed_by_period`: the table keeps an answer per
    period, and every row gets the period's first and last day."""
    if keyed_by_period:
        frame = frame.assign(**{name: params[name] for name in PERIOD_KEY})
        columns = [*PERIOD_KEY, *columns]
    values = frame[columns].astype(object)
    rows = (tuple(map(_cell, row)) for row in
            values.where(values.notna(), None).itertuples(index=False, name=None))
    with database.connection() as conn:
        conn.execute(load_sql("analytics_replace_lock"), {"table": table})
        conn.execute(load_sql(f"analytics_{table}_clear"), params)
        return copy_rows(conn, f"analytics.{table}", columns, rows)


def _cell(value):
    # pandas turns an integer column with a gap into floats: 10.0 must reach `integer` as 10.
    return int(value) if isinstance(value, float) and value.is_integer() else value
