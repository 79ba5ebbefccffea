"""Full-text search over comments: words (Russian and English, stemmed), exact #hashtags and
@mentions, filters, newest-first or relevance order, keyset pages.

A search is answered by the cheapest of four tiers that can answer it exactly:

1. `recent`: the matches among the newest 300 comments before the cursor. A word common where
   the newest comments are fills a page from these alone (newest first), in a millisecond.
2. `few`: every match of the words, straight from the GIN index, when there are at most
   GATHER_CAP of them; filtered, ordered and paged in one statement. Rare words end here, and
   so do phrases of common words that seldom stand side by side: the index of adjacent lexeme
   pairs (comments_phrase_pairs_idx, migration 0017) finds the comments where they do.
3. `months` (query/search_months.py): the newest matches found month partition by month
   partition, newest first, each month planned for its own statistics, stopping when no older
   month can hold a newer match. Its cost follows the months it must ask, not how many matches
   there are or when: everything with words, hashtags or mentions that tiers 1 and 2 leave.
4. `planned`: the general query planned for its parameters, for a post's or an author's
   comments, which its indexes hold few of in any month.

Which tier to try first comes from facts about where the words are: the planner's statistics
of each monthly partition (read a few times an hour) say how many comments of that month hold
each common word, and those of the pair index how many hold each common pair of adjacent
words. A word dense in the newest month goes to tier 1; one the statistics expect fewer than
GATHER_CAP matches of goes to tier 2 (a word too rare for the statistics is rare in every
month), and so does a phrase whose adjacent pairs they expect that seldom; a phrase with no
adjacent pair (a stop word between its words) goes there while its words are expected
together in at most PHRASE_READ_ROWS comments (only reading them tells where they stand); the
rest, a word common only in some old month or spread thinly over all of them, to tier 3.
The probes of tiers 1 and 2 cost a millisecond or more each, wasted on a word
they cannot answer. Without statistics (a table not yet analysed) every tier is tried in turn.

Tiers 1 and 2 run as prepared statements with generic plans: their shape is fixed by their SQL,
and planning a query over every monthly partition costs several milliseconds, more than
answering it. A phrase's pairs are the exception: only a plan made for them uses their index.
Tiers 3 and 4 are planned every time, because there the parameters (and the month) decide the
plan.

Relevance ranks the newest RELEVANCE_WINDOW matches (all of them when there are fewer), as of
the first page: ranking every match of a word found in millions of comments means reading
millions of rows, and a person reading ranked results wants the best recent ones.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import psycopg

from assets.loading.rows import HASHTAG, MENTION_AT, MENTION_MARKUP, clean_text, hashtags, mentions
from query import search_months
from query.prepared import custom_plans, generic_plans
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
TIERS = ("recent", "few", "months", "planned")
# Word matches tier 2 reads at most before handing over to the planned query.
GATHER_CAP = 2_000
# The comments holding all the words of a phrase tier 2 reads at most, as the statistics
# expect them, to find where the words stand side by side (about 2 microseconds each).
PHRASE_READ_ROWS = 200_000
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
        # The keys of a phrase's adjacent pairs, set by _answer from its words' lexemes.
        "pairs": None,
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
    # A post's or an author's comments are few in every month: their own index finds them.
    narrow = params["post_id"] is not None or params["author_id"] is not None
    facts = None
    if terms.words and not narrow:
        with generic_plans(conn):
            facts = word_facts(conn, terms.words)
            params["pairs"] = _query_lexemes(conn, terms.words)["pairs"]
            newest = None if facts is None else facts.newest_share * RECENT_ROWS
            # (Words common alone say nothing of how often they stand side by side.)
            dense = newest is not None and newest >= DENSE_MATCHES and not facts.phrase
            if "recent" in TIERS and (newest is None or (order == "newest" and newest >= params["limit"])):
                probe = "search_comments_recent" if params["group_id"] is None \
                    else "search_comments_recent_in_group"
                recent = conn.execute(load_sql(probe), {
                    **params, "since": params["since"] or EARLIEST,
                    "limit": max(params["limit"], DENSE_MATCHES)}, prepare=True).fetchall()
                if order == "newest" and len(recent) >= params["limit"]:
                    return "recent", recent[: params["limit"]]
                dense = len(recent) >= DENSE_MATCHES
            # A word dense among the newest comments, or expected more often than the cap
            # anywhere, has more matches than the cap: asking would only read the cap's worth.
            # Words that must stand side by side are asked while the comments holding them all
            # are few enough to read at once: common words may never stand together, and
            # only reading finds out.
            few = None
            if "few" in TIERS and not dense and (
                    facts is None or facts.matches <= GATHER_CAP
                    or (facts.phrase and not facts.paired and facts.together <= PHRASE_READ_ROWS)):
                # Read after the block: the RESET goes out with it, in one round trip.
                if params["pairs"] is None:
                    few = conn.execute(load_sql("search_comments_few"), params, prepare=True)
                else:
                    with custom_plans(conn):
                        few = conn.execute(load_sql("search_comments_few"), params, prepare=False)
        if few is not None:
            rows = few.fetchall()
            if not rows[0]["deferred"]:
                return "few", [row for row in rows if row["comment_id"] is not None]
    if "months" in TIERS and not narrow:
        return "months", search_months.answer(conn, params, facts)
    return "planned", conn.execute(load_sql("search_comments"), params, prepare=False).fetchall()


@dataclass(frozen=True)
class WordFacts:
    """Where the statistics say the comments holding all of some words are."""

    # How many at most, over every analysed month, and at most what share of the newest
    # analysed month's comments: the rarest word's count (or a phrase's rarest adjacent
    # pair's), which all the words together cannot exceed. Tiers 1 and 2 are only tried where
    # this bound says they can answer.
    matches: float
    # How many are expected to hold all the words: a phrase's rarest adjacent pair's count
    # where the pair index's statistics know it, else the words' taken as independent (as
    # many comments as a phrase of them must be read to find where they stand side by side).
    together: float
    newest_share: float
    phrase: bool  # whether they must stand side by side
    paired: bool  # a phrase whose adjacent pairs the pair index's statistics know
    # Per analysed month (its first day): its comments and the words' shares there, which
    # decide how the months tier reads the month.
    months: dict[datetime, search_months.MonthShares]


@dataclass
class _WordStatistics:
    read_at: float
    # Per analysed month, oldest first: (its first day, its comments, lexeme -> share of them
    # holding it, adjacent pair key -> share of them holding it, or None when its pair index
    # is not analysed yet).
    months: list[tuple[datetime, float, dict[str, float], dict[int, float] | None]]
    # Search text -> search_lexemes.sql's answer: the pages of one search repeat its words.
    lexemes: dict[str, dict] = field(default_factory=dict)


_statistics: dict[tuple, _WordStatistics] = {}


def word_facts(conn: psycopg.Connection, words: str) -> WordFacts | None:
    """Where the comments holding all of `words` are, as the statistics of the analysed monthly
    partitions estimate it (a word too rare to be counted in a month has a share of 0 there).
    None when there are no statistics yet or the words hold no lexeme."""
    statistics = _word_statistics(conn)
    query = _query_lexemes(conn, words)
    # Shares of words any one of which will do add up, at most: the planner knows better.
    if not statistics.months or not query["lexemes"] or query["any_of"]:
        return None
    lexemes = set(query["lexemes"])
    pairs = set(query["pairs"] or ())
    paired = bool(pairs) and all(pair_shares is not None for *_, pair_shares in statistics.months)
    months = {}
    for start, rows, shares, pair_shares in statistics.months:
        rarest = min(shares.get(lexeme, 0.0) for lexeme in lexemes)
        together = math.prod(shares.get(lexeme, 0.0) for lexeme in lexemes)
        if pairs and pair_shares is not None:
            # Measured, where independence guesses: a real phrase's words come together far
            # more often than their shares multiplied, and common words may never do.
            rarest = together = min(rarest, *(pair_shares.get(pair, 0.0) for pair in pairs))
        months[start] = search_months.MonthShares(
            rows, together, rarest, min(shares.values(), default=0.0),
            sum(shares.get(lexeme, 0.0) for lexeme in lexemes))
    return WordFacts(sum(month.rows * month.rarest for month in months.values()),
                     sum(month.rows * month.together for month in months.values()),
                     months[statistics.months[-1][0]].rarest, query["phrase"], paired, months)


def _query_lexemes(conn: psycopg.Connection, words: str) -> dict:
    """search_lexemes.sql's answer for `words`, kept with the statistics: the pages of one
    search repeat its words."""
    statistics = _word_statistics(conn)
    query = statistics.lexemes.get(words)
    if query is None:
        query = conn.execute(load_sql("search_lexemes"), {"words": words}).fetchone()
        if len(statistics.lexemes) >= LEXEME_CACHE_SIZE:
            statistics.lexemes.clear()
        statistics.lexemes[words] = query
    return query


def _word_statistics(conn: psycopg.Connection) -> _WordStatistics:
    key = (conn.info.host, conn.info.port, conn.info.dbname)
    cached = _statistics.get(key)
    if cached is not None and time.monotonic() - cached.read_at < STATISTICS_SECONDS:
        return cached
    months = [(partition["month_start"], partition["rows"],
               dict(zip(partition["lexemes"] or [], partition["shares"] or [])),
               dict(zip(partition["pairs"] or [], partition["pair_shares"] or []))
               if partition["pairs_analysed"] else None)
              for partition in conn.execute(load_sql("search_word_statistics")).fetchall()]
    _statistics[key] = cached = _WordStatistics(time.monotonic(), months)
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
