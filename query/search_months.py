"""The `months` search tier: the newest matches of a search found month by month, newest month
first, stopping as soon as no older month can hold a newer match.

Why a walk, not one statement: a word's matches bunch in time (last spring's event, a product
that faded), and one plan over every monthly partition must treat them all alike. Walking a
time index backwards is right where the word is dense and reads a whole partition where it is
absent; gathering its matches from the GIN index is right where it is rare and reads tens of
thousands where it is common. Planned for one partition at a time, each month gets the plan
its own statistics call for, and a month is only asked at all while it can still hold one of
the newest matches: its newest comment (looked up, not assumed: comments on old posts arrive
late) must be newer than the oldest match kept so far.

The walk yields keys (with their rank when ranked), the page is cut from them here exactly as
the planned tier cuts its candidates, and only the page's rows are then read by key
(search_comments_by_keys.sql): the same rows, order and cursors as every other tier.
"""

from __future__ import annotations

import math
from datetime import datetime

import psycopg

from query.pages import EARLIEST
from query.prepared import custom_plans, generic_plans
from resources.database import load_sql

# (published_at, group_id, comment_id, post_published_at, rank): the keyset key, the primary
# key and the rank (0 unless ranked).
Key = tuple[datetime, int, int, datetime, float]
NO_FLOOR = {"floor_published_at": EARLIEST, "floor_group_id": 0, "floor_comment_id": 0}


def walks(want: int, month: tuple[float, float] | None) -> bool:
    """Whether a month with (comments, share holding the words) is asked through its own plan
    (which walks the time index when the words are common there) rather than its GIN index.
    Walking reads about want / share comments, gathering share * comments of them: the walk
    wins above a share of sqrt(want / comments). Unknown months get their own plan."""
    if month is None:
        return True
    rows, share = month
    return rows > 0 and share > math.sqrt(want / rows)


def newest_matches(conn: psycopg.Connection, params: dict, want: int,
                   months: dict[datetime, tuple[float, float]] | None = None) -> tuple[list[Key], int]:
    """The `want` newest matches before the `before` key (all of them when fewer), newest
    first, and how many months were asked. `months`: the words' statistics per month (None
    when there are none, or the search has no words: then every month is planned for itself)."""
    kept: list[Key] = []
    asked = 0
    with generic_plans(conn):
        listed = conn.execute(load_sql("search_months"), params, prepare=True, binary=True).fetchall()
        for month in listed:
            if len(kept) >= want and month["newest"] < kept[want - 1][0]:
                break  # this month and every later one in the list hold only older comments
            floor = NO_FLOOR if len(kept) < want else dict(zip(NO_FLOOR, kept[want - 1][:3]))
            month_params = {**params, **floor, "want": want, "month_start": month["month_start"],
                            "month_end": month["month_end"]}
            if walks(want, None if months is None else months.get(month["month_start"], (0.0, 0.0))):
                with custom_plans(conn):
                    rows = conn.execute(load_sql("search_month_matches"), month_params,
                                        prepare=False, binary=True).fetchall()
            else:
                rows = conn.execute(load_sql("search_month_gather"), month_params,
                                    prepare=True, binary=True).fetchall()
            asked += 1
            if rows:
                found = [(r["published_at"], r["group_id"], r["comment_id"], r["post_published_at"],
                          r["rank"]) for r in rows]
                kept = sorted(kept + found, key=lambda key: key[:3], reverse=True)[:want]
    return kept, asked


def answer(conn: psycopg.Connection, params: dict, facts=None) -> list[dict]:
    """The page of the search through the walk, rows as search_comments.sql returns them;
    `facts`: query.search.WordFacts of its words, when known."""
    months = facts.months if facts is not None and params["words"] else None
    candidates, _ = newest_matches(conn, params, params["candidates"], months)
    if not candidates:
        return []
    after = (params["after_rank"], params["after_published_at"], params["after_group_id"],
             params["after_comment_id"])
    page = sorted((key for key in candidates if (key[4], *key[:3]) < after),
                  key=lambda key: (key[4], *key[:3]), reverse=True)[: params["limit"]]
    rows = conn.execute(load_sql("search_comments_by_keys"), {
        "key_group_ids": [key[1] for key in page], "key_comment_ids": [key[2] for key in page],
        "key_post_times": [key[3] for key in page]}, prepare=False, binary=True).fetchall()
    newest = candidates[0]
    return [{"deferred": False, **row, "rank": key[4], "newest_published_at": newest[0],
             "newest_group_id": newest[1], "newest_comment_id": newest[2]}
            for row, key in zip(rows, page, strict=True)]
