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

Within a month the choice is between three ways, by what each costs as the month's statistics
say (`reading`): walking its time index comment by comment where the words are common (a page
needs few comments), gathering every match from its GIN index where they are rare, and, in
between, windows of its time: the time index counts a window's comments without the heap
(search_month_edge.sql), and the window's bitmap ANDed with the words' reads only the window's
matches (search_month_window.sql), where a walk reads want / share comments and a gather every
match of the month.

Where in time the words are, the statistics tell by the month, and by the month's neighbour for
the month's tail: a partition holds the comments of one month's posts, and its newest ones,
written on its last posts in the weeks after it ended, are the following month's in time (the
words' share among them is the following month's share, not this month's). Months where the
statistics say the words are rare are gathered several at once while they cannot fill the page.

The walk yields keys (with their rank when ranked), the page is cut from them here exactly as
the planned tier cuts its candidates, and only the page's rows are then read by key
(search_comments_by_keys.sql): the same rows, order and cursors as every other tier.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple

import psycopg
from psycopg import sql

from query.pages import EARLIEST
from query.prepared import custom_plans, generic_plans, walk_plans, window_plans
from resources.database import load_sql

# (published_at, group_id, comment_id, post_published_at, rank): the keyset key, the primary
# key and the rank (0 unless ranked).
Key = tuple[datetime, int, int, datetime, float]
NO_FLOOR = {"floor_published_at": EARLIEST, "floor_group_id": 0, "floor_comment_id": 0}
# A walk's first stretch: this many times the comments the statistics say it needs.
WALK_SLACK = 3
WALK_GROWTH = 4
# The most matches months gathered in one statement may hold by their statistics (reading them
# all costs a few milliseconds, as the second tier's cap does).
GATHERED_TOGETHER = 2_000
# Below every key of a comment written at a given time: the `before` key of the rest of a month
# after its tail is read.
INT64_MIN = -(2**63)
# A comment gathered through the GIN index's bitmap costs about this many comments walked
# through the time index (pages in order against one page a comment; measured on the
# benchmark corpus: 1.8 against 4.2 microseconds).
GATHER_ROW_COST = 0.43
# An entry an index puts in a bitmap or counts without the heap (a word's match in the GIN
# index, a comment in the time index), and a statement, in comments walked (measured on the
# benchmark corpus, warm: 0.07 to 0.09 microseconds an entry, 4.2 a comment walked, about a
# millisecond a statement with its planning).
BITMAP_ENTRY_COST = 0.02
STATEMENT_COST = 250


class MonthShares(NamedTuple):
    """What the statistics say of a search's words in one month."""

    rows: float  # the month's comments
    # The share expected to hold all the words, taking them as independent (the planner's own
    # assumption): words common alone but rare together (a phrase) come out rare, as they are.
    together: float
    rarest: float  # the rarest word's share: all the words together cannot be more common
    # The share a word too rare for the statistics to list has at most in this month (the
    # rarest listed one's): what a word with no share listed may still hold.
    unlisted: float = 0.0
    # The words' shares added up: the GIN index reads each word's matches to AND them.
    words: float = 0.0

    def most(self) -> float:
        """The most comments of the month that may hold all the words."""
        return self.rows * (self.rarest or self.unlisted)


NO_SHARES = MonthShares(0.0, 0.0, 0.0)


def reading(want: int, month: MonthShares) -> str:
    """How a month is read, by what each way costs in comments walked: "walk" (comment by
    comment, newest first: want / share of them), "windows" (windows of its time, each
    counted in its time index, ANDed with the words' bitmap: only the window's matches read
    from the heap) or "gather" (every match from the heap). The gather is costed at the most
    matches the month may hold, not the expected: it reads however many there are, where a walk
    and a window are bounded (words taken as independent may stand together far more often)."""
    stretch = WALK_SLACK * want / month.together if month.together else math.inf
    bitmap = month.words * month.rows * BITMAP_ENTRY_COST + STATEMENT_COST
    costs = {"gather": bitmap + month.most() * GATHER_ROW_COST, "walk": stretch}
    if stretch < month.rows:
        costs["windows"] = (bitmap + 2 * stretch * BITMAP_ENTRY_COST + STATEMENT_COST
                            + WALK_SLACK * want * GATHER_ROW_COST)
    return min(costs, key=costs.__getitem__)


def newest_matches(conn: psycopg.Connection, params: dict, want: int,
                   months: dict[datetime, MonthShares] | None = None) -> tuple[list[Key], int]:
    """The `want` newest matches before the `before` key (all of them when fewer), newest
    first, and how many months were asked. `months`: the words' statistics per month (None
    when there are none, or the search has no words)."""
    kept: list[Key] = []
    asked = 0
    # Exact #hashtags and @mentions: no statistic here says how rare they make the words, the
    # planner's do; nor is there one for no words, or no statistics at all.
    planned = months is None or params["hashtags"] is not None or params["mentions"] is not None
    with generic_plans(conn):
        listed = conn.execute(load_sql("search_months"), params, prepare=True, binary=True).fetchall()
        while asked < len(listed):
            month = listed[asked]
            if len(kept) >= want and month["newest"] < kept[want - 1][0]:
                break  # this month and every later one in the list hold only older comments
            floor = NO_FLOOR if len(kept) < want else dict(zip(NO_FLOOR, kept[want - 1][:3]))
            month_params = {**params, **floor, "want": want, "month_start": month["month_start"],
                            "month_end": month["month_end"]}
            if planned:
                rows = _planned(conn, "search_month_matches", month_params)
                asked += 1
            elif gathered := _gathered_together(listed[asked:], months, want):
                rows = _gather(conn, {**month_params, "month_start": gathered[-1]["month_start"]})
                asked += len(gathered)
            else:
                partition = sql.Identifier(month["partition_schema"], month["partition_name"])
                rows = _month(conn, month_params, partition,
                              months.get(month["month_start"], NO_SHARES), months.get(month["month_end"]))
                asked += 1
            if rows:
                found = [(r["published_at"], r["group_id"], r["comment_id"], r["post_published_at"],
                          r["rank"]) for r in rows]
                kept = sorted(kept + found, key=lambda key: key[:3], reverse=True)[:want]
    return kept, asked


def _gathered_together(listed: list[dict], months: dict[datetime, MonthShares],
                       want: int) -> list[dict]:
    """The months from listed[0] on that are gathered in one statement: one after the other in
    time, each gathered by its statistics, and holding at most GATHERED_TOGETHER matches
    together by them (words absent from most months cost one statement, not one a month; a
    word too rare to be listed is counted at the most it may hold, so that a batch never reads
    thousands of matches where one month would have filled the page). Empty when listed[0] is
    walked or read through windows."""
    together: list[dict] = []
    most = 0.0
    for month in listed:
        shares = months.get(month["month_start"], NO_SHARES)
        if reading(want, shares) != "gather" \
                or (together and month["month_end"] != together[-1]["month_start"]):
            break
        most += shares.most()
        if together and most > GATHERED_TOGETHER:
            break
        together.append(month)
    return together


def _month(conn: psycopg.Connection, params: dict, partition: sql.Identifier, month: MonthShares,
           following: MonthShares | None = None) -> list[dict]:
    """One month's newest matches (at most params["want"]), read the way its statistics call
    for. `following`: the statistics of the month after it, when it has any.

    A month's newest comments came after it ended, on its last posts (the tail: a few percent
    of it, written over the following weeks). The words' share among them is the following
    month's, whose comments were written then, not this month's: a topic of this month has
    ended by then. Where the following month's share says the words are too rare then to walk,
    the tail is read through the GIN index and the time index together
    (search_month_window.sql) before the month's own comments are walked or read through
    windows, instead of walking or counting through it to reach them (a window sized by this month's share would find the tail bare and grow four
    times over, and again: at 20 M a month's tail is about 55,000 comments).

    A walk or a window is the better choice only while the share it was chosen for holds, and
    the statistics cannot tell whether the words stand together, nor when in the month they
    were used: so both go in stretches, each WALK_GROWTH times the last, and once they have
    cost as much as gathering the month could have (its rarest word's matches), the rest of
    the month is gathered."""
    want = params["want"]
    tail: list[dict] = []
    if following is not None and params["before_published_at"] > params["month_end"] \
            and reading(want, month) != "gather" and reading(want, following) != "walk":
        tail = _window(conn, {**params, "window_start": max(params["month_end"], params["since"] or EARLIEST)})
        if len(tail) >= want:
            return tail
        want -= len(tail)
        params = {**params, "want": want, "before_published_at": params["month_end"],
                  "before_group_id": INT64_MIN, "before_comment_id": INT64_MIN}
    return tail + _month_itself(conn, params, month, partition)


def _month_itself(conn: psycopg.Connection, params: dict, month: MonthShares,
                  partition: sql.Identifier) -> list[dict]:
    want = params["want"]
    how = reading(want, month)
    if how == "gather":
        return _gather(conn, params)
    # What gathering the month would read from the heap, in comments walked; the bitmap of
    # the words' matches, which a gather and each window build alike, apart.
    worth_reading = month.rarest * month.rows * GATHER_ROW_COST
    bitmap = month.words * month.rows * BITMAP_ENTRY_COST
    stretch = max(want, math.ceil(WALK_SLACK * want / month.together))
    read = _window_stretch if how == "windows" else _walk_stretch
    matched: list[dict] = []
    spent = 0.0
    while True:
        rows, rest = read(conn, {**params, "want": want - len(matched)}, stretch, partition)
        matched += rows
        if rest is None or len(matched) >= want:
            return matched  # the month is read to the floor, or the page is full
        params = {**params, **rest}
        spent += stretch if how == "walk" else bitmap + 2 * (stretch * BITMAP_ENTRY_COST + STATEMENT_COST)
        if spent >= worth_reading:
            return matched + _gather(conn, {**params, "want": want - len(matched)})
        # A walk's last stretch reads no more than is left of the gather's cost.
        stretch = stretch * WALK_GROWTH if how == "windows" else \
            max(want, math.ceil(min(stretch * WALK_GROWTH, worth_reading - spent)))


def _walk_stretch(conn: psycopg.Connection, params: dict, stretch: int,
                  partition: sql.Identifier) -> tuple[list[dict], dict | None]:
    """The matches among the month's `stretch` newest comments before the `before` key, walked
    one by one, and the `before` key of the rest of the month (None when none is left)."""
    rows = _walk(conn, {**params, "walk_rows": stretch})
    matched = [row for row in rows if row["matched"]]
    if not rows or rows[-1]["n"] < stretch:
        return matched, None
    last = rows[-1]
    return matched, {"before_published_at": last["published_at"], "before_group_id": last["group_id"],
                     "before_comment_id": last["comment_id"]}


def _window_stretch(conn: psycopg.Connection, params: dict, stretch: int,
                    partition: sql.Identifier) -> tuple[list[dict], dict | None]:
    """The same as _walk_stretch, through a window of the month's time: the `stretch`-th newest
    comment, counted in the partition's time index, starts it, and only the window's matches
    are read from the heap (search_month_window.sql)."""
    edge = _edge(conn, {**params, "skip": stretch - 1}, partition)
    if edge is None:
        return _window(conn, {**params, "window_start": params["since"] or EARLIEST}), None
    rows = _window(conn, {**params, "window_start": edge["published_at"]})
    return rows, {"before_published_at": edge["published_at"], "before_group_id": INT64_MIN,
                  "before_comment_id": INT64_MIN}


def _gather(conn: psycopg.Connection, params: dict) -> list[dict]:
    # One group's matches: planned for the group, whose time index joins the GIN index's
    # bitmap, where the generic plan reads every match of the words in the month.
    if params["group_id"] is not None:
        return _planned(conn, "search_month_gather", params)
    return conn.execute(load_sql("search_month_gather"), params, prepare=True, binary=True).fetchall()


def _window(conn: psycopg.Connection, params: dict) -> list[dict]:
    with window_plans(conn):
        return conn.execute(load_sql("search_month_window"), params, prepare=False,
                            binary=True).fetchall()


def _walk(conn: psycopg.Connection, params: dict) -> list[dict]:
    with walk_plans(conn):
        return conn.execute(load_sql("search_month_walk"), params, prepare=False,
                            binary=True).fetchall()


def edge_statement(partition: sql.Identifier) -> sql.Composed:
    """search_month_edge.sql asked of one month's partition."""
    return sql.SQL(load_sql("search_month_edge")).format(partition=partition)


def _edge(conn: psycopg.Connection, params: dict, partition: sql.Identifier) -> dict | None:
    with walk_plans(conn):
        return conn.execute(edge_statement(partition), params, prepare=False, binary=True).fetchone()


def _planned(conn: psycopg.Connection, statement: str, params: dict) -> list[dict]:
    with custom_plans(conn):
        return conn.execute(load_sql(statement), params, prepare=False, binary=True).fetchall()


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
    # A generic plan: planned anew, the lateral probe over every partition took milliseconds.
    with generic_plans(conn):
        rows = conn.execute(load_sql("search_comments_by_keys"), {
            "key_group_ids": [key[1] for key in page], "key_comment_ids": [key[2] for key in page],
            "key_post_times": [key[3] for key in page]}, prepare=True, binary=True).fetchall()
    newest = candidates[0]
    return [{"deferred": False, **row, "rank": key[4], "newest_published_at": newest[0],
             "newest_group_id": newest[1], "newest_comment_id": newest[2]}
            for row, key in zip(rows, page, strict=True)]
