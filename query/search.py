"""Full-text search over comments: words (Russian and English, stemmed), exact #hashtags and
@mentions, filters, newest-first or relevance order, keyset pages.

A search is answered by the cheapest of three tiers that can answer it exactly:

1. `recent`: the matches among the newest 300 comments before the cursor. A common word fills
   a page from these alone (newest first), in a millisecond or two.
2. `few`: every match of the words, straight from the GIN index, when there are at most
   GATHER_CAP of them; filtered, ordered and paged in one statement. Rare words end here.
3. `planned`: the general query, planned for its own parameters, which the planner answers by
   walking a time index backwards (common words, within a group or not) or by gathering and
   sorting (everything in between).

Which tier to try first comes from the planner's statistics of the words (read a few times an
hour): the probe of tier 1 costs a millisecond across every monthly partition, wasted on a
word too rare to fill a page from the newest comments, so a rare word goes straight to tier 2.
Without statistics (a table not yet analysed) every tier is tried in turn.

Tiers 1 and 2 run as prepared statements with generic plans: their shape is fixed by their
SQL, and planning a query over every monthly partition costs several milliseconds, more than
answering it. Tier 3 is planned every time, because there the parameters decide the plan.

Relevance ranks the newest RELEVANCE_WINDOW matches (all of them when there are fewer), as of
the first page: ranking every match of a word found in millions of comments means reading
millions of rows, and a person reading ranked results wants the best recent ones.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import psycopg
from psycopg.pq import TransactionStatus

from assets.loading.rows import HASHTAG, MENTION_AT, MENTION_MARKUP, clean_text, hashtags, mentions
from query.pages import (
    EARLIEST,
    LATEST,
    Page,
    aware,
    check_limit,
    decode_cursor,
    encode_cursor,
    int64,
    keyset,
)
from resources.database import load_sql

Order = Literal["newest", "relevance"]
ORDERS = ("newest", "relevance")
# Tried in this order; each answers exactly or hands over to the next.
TIERS = ("recent", "few", "planned")
# Word matches tier 2 reads at most before handing over to the planned query.
GATHER_CAP = 2_000
# The newest comments tier 1 looks at (the LIMIT in search_comments_recent.sql).
RECENT_ROWS = 300
# Matches among the newest 300 comments (a sixth) that make a word common: it then has more
# than GATHER_CAP matches in any table worth a benchmark, and tier 2 is skipped.
DENSE_MATCHES = 51
# How long the words' statistics are trusted before they are read again; they change only
# when autovacuum analyses a partition.
STATISTICS_SECONDS = 300.0
LEXEME_CACHE_SIZE = 1_000
RELEVANCE_WINDOW = 5_000
# websearch_to_tsquery takes any text; past this many characters a "query" is a pasted text,
# and every extra word costs a GIN lookup in every partition.
MAX_QUERY_CHARS = 1_000
RESULT_COLUMNS = ("group_id", "post_id", "comment_id", "published_at", "from_id", "text",
                  "likes_count", "thread_root_id", "hashtags", "mentions")


@dataclass(frozen=True)
class SearchTerms:
    """A person's search input split into what full-text search gets and what must match
    exactly. Any text is acceptable: quotes, operators and SQL are words to
    websearch_to_tsquery, and everything reaches the database as parameters."""

    words: str
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "SearchTerms":
        # PostgreSQL refuses NUL and text that is not valid UTF-8 (lone surrogates).
        text = clean_text(text).encode("utf-8", "replace").decode("utf-8")
        words = MENTION_AT.sub(" ", MENTION_MARKUP.sub(" ", HASHTAG.sub(" ", text)))
        words = " ".join(words.split())
        if len(words) > MAX_QUERY_CHARS:
            words = words[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        return cls(words, tuple(hashtags(text)), tuple(mentions(text)))

    @property
    def empty(self) -> bool:
        return not (self.words or self.hashtags or self.mentions)


def search_comments(
    conn: psycopg.Connection,
    text: str,
    *,
    group_id: int | None = None,
    post_id: int | None = None,
    author_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    order: Order = "newest",
    limit: int = 20,
    cursor: str | None = None,
) -> Page:
    """One page of the comments matching `text` (deleted comments never match).

    `post_id` needs `group_id` (post ids are per wall); `since`/`until` bound the comment's own
    time, [since, until). `conn` must return rows as dicts (psycopg.rows.dict_row).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    if post_id is not None and group_id is None:
        raise ValueError("post_id needs group_id: post ids are numbered per community wall")
    check_limit(limit)
    terms = SearchTerms.parse(text)
    arguments = {"terms": [terms.words, terms.hashtags, terms.mentions], "group_id": group_id,
                 "post_id": post_id, "author_id": author_id, "since": since, "until": until,
                 "order": order}
    position = decode_cursor(cursor, "search", arguments)
    if terms.empty:
        return Page([], None, plan="empty")
    params = {
        "words": terms.words,
        "hashtags": list(terms.hashtags) or None,
        "mentions": list(terms.mentions) or None,
        "group_id": int64(group_id, "group_id"),
        "post_id": int64(post_id, "post_id"),
        "author_id": int64(author_id, "author_id"),
        "since": aware(since, "since"),
        "until": aware(until, "until"),
        "ranked": order == "relevance",
        "limit": limit + 1,
        "cap": GATHER_CAP,
        "candidates": RELEVANCE_WINDOW if order == "relevance" else limit + 1,
        **_bounds(position, until),
    }
    plan, rows = _answer(conn, terms, params, order)
    items = [_item(row, order) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        if order == "newest":
            next_position = {"before": _key(last)}
        else:
            next_position = {"window": keyset(position, "window", datetime, int, int) or _window(rows[0]),
                             "after": [last["rank"], *_key(last)]}
        next_cursor = encode_cursor("search", arguments, next_position)
    return Page(items, next_cursor, plan=plan)


def _answer(conn, terms: SearchTerms, params: dict, order: str) -> tuple[str, list[dict]]:
    """(the tier that answered, its rows): the first of TIERS able to answer exactly."""
    if terms.words:
        with _generic_plans(conn):
            share = word_share(conn, terms.words)
            # Matches among the newest comments the statistics expect (None: unknown).
            expected = None if share is None else share * RECENT_ROWS
            dense = expected is not None and expected >= DENSE_MATCHES
            # A post's or an author's comments are few: the newest comments overall say nothing.
            if ("recent" in TIERS and params["post_id"] is None and params["author_id"] is None
                    and (expected is None or (order == "newest" and expected >= params["limit"]))):
                probe = "search_comments_recent" if params["group_id"] is None \
                    else "search_comments_recent_in_group"
                recent = conn.execute(load_sql(probe), {
                    **params, "since": params["since"] or EARLIEST,
                    "limit": max(params["limit"], DENSE_MATCHES)}, prepare=True).fetchall()
                if order == "newest" and len(recent) >= params["limit"]:
                    return "recent", recent[: params["limit"]]
                dense = len(recent) >= DENSE_MATCHES
            # A word dense among the newest comments has more matches than the cap anyway.
            few = None
            if "few" in TIERS and not dense:
                # Read after the block: the RESET goes out with it, in one round trip.
                few = conn.execute(load_sql("search_comments_few"), params, prepare=True)
        if few is not None:
            rows = few.fetchall()
            if not rows[0]["deferred"]:
                return "few", [row for row in rows if row["comment_id"] is not None]
    return "planned", conn.execute(load_sql("search_comments"), params, prepare=False).fetchall()


@dataclass
class _WordStatistics:
    read_at: float
    shares: dict[str, float] | None  # lexeme -> share of comments; None: none analysed yet
    # Search text -> its lexemes: the pages of one search repeat its words.
    lexemes: dict[str, list[str]] = field(default_factory=dict)


_statistics: dict[tuple, _WordStatistics] = {}


def word_share(conn: psycopg.Connection, words: str) -> float | None:
    """The share of comments holding all of `words`, as the statistics of the analysed monthly
    partitions estimate it (the rarest word's share; 0 for a word too rare to be counted
    there). None when there are no statistics yet or the words hold no lexeme."""
    statistics = _word_statistics(conn)
    lexemes = statistics.lexemes.get(words)
    if lexemes is None:
        lexemes = conn.execute(load_sql("search_lexemes"), {"words": words}).fetchone()["lexemes"]
        if len(statistics.lexemes) >= LEXEME_CACHE_SIZE:
            statistics.lexemes.clear()
        statistics.lexemes[words] = lexemes
    if statistics.shares is None or not lexemes:
        return None
    return min(statistics.shares.get(lexeme, 0.0) for lexeme in lexemes)


def _word_statistics(conn: psycopg.Connection) -> _WordStatistics:
    key = (conn.info.host, conn.info.port, conn.info.dbname)
    cached = _statistics.get(key)
    if cached is not None and time.monotonic() - cached.read_at < STATISTICS_SECONDS:
        return cached
    weighted: dict[str, float] = {}
    rows = 0.0
    for partition in conn.execute(load_sql("search_word_statistics")).fetchall():
        rows += partition["rows"]
        for lexeme, share in zip(partition["lexemes"] or [], partition["shares"] or []):
            weighted[lexeme] = weighted.get(lexeme, 0.0) + share * partition["rows"]
    shares = {lexeme: total / rows for lexeme, total in weighted.items()} if rows else None
    _statistics[key] = cached = _WordStatistics(time.monotonic(), shares)
    return cached


def _bounds(position: dict, until: datetime | None) -> dict:
    """Keyset bounds: rows strictly before `before` (the cursor, or the relevance window's
    top; and before `until`), and after `after` in relevance order."""
    before = tuple(keyset(position, "before", datetime, int, int)
                   or keyset(position, "window", datetime, int, int) or (LATEST, 0, 0))
    after = keyset(position, "after", (int, float), datetime, int, int) or [float("inf"), LATEST, 0, 0]
    if until is not None and (until, 0, 0) < before:
        before = (until, 0, 0)
    return {
        "before_published_at": before[0], "before_group_id": int64(before[1], "cursor"),
        "before_comment_id": int64(before[2], "cursor"),
        "after_rank": float(after[0]), "after_published_at": after[1],
        "after_group_id": int64(after[2], "cursor"), "after_comment_id": int64(after[3], "cursor"),
    }


def _key(row: dict) -> list:
    return [row["published_at"], row["group_id"], row["comment_id"]]


def _window(first_row: dict) -> list:
    # Just above the newest candidate of the first page: later pages rank the same rows.
    return [first_row["newest_published_at"], first_row["newest_group_id"],
            first_row["newest_comment_id"] + 1]


def _item(row: dict, order: str) -> dict:
    item = {column: row[column] for column in RESULT_COLUMNS}
    if order == "relevance":
        item["rank"] = row["rank"]
    return item


@contextmanager
def _generic_plans(conn: psycopg.Connection) -> Iterator[None]:
    # Pipelined: the SET travels with the first query and the RESET with the last one.
    with conn.pipeline():
        conn.execute(load_sql("search_generic_plans"))
        try:
            yield
        finally:
            # In a failed transaction the rollback undoes the SET anyway.
            if conn.info.transaction_status != TransactionStatus.INERROR:
                conn.execute(load_sql("search_default_plans"))
