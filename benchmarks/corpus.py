"""The search benchmark's corpus: millions of comments made by SQL in the benchmark database.

Made set-based (benchmarks/sql/search_corpus_*.sql), in parallel sessions, with the comment
indexes dropped during the inserts and built afterwards, then vacuumed and analysed: what a
table loaded over months and maintained by autovacuum looks like.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Callable

import psycopg
from psycopg import sql

from benchmarks.databases import load_query, run_script

BROAD_WORD, RARE_WORD = "погода", "криптограф"
CORPUS = dict(groups=20, posts_per_group=2500, first_day="2025-01-01", last_day="2026-11-30",
              vocabulary=30_000, sentences=200_000, mean_comments=103, authors=400_000,
              broad_word=BROAD_WORD, rare_word=RARE_WORD, rare_share=0.000008)
# Topic words, by where their matches lie in time ("spread": evenly over the whole corpus) and
# how many there are, as shares of all comments: from about one match to a fiftieth of the
# table in tenfold steps (the broad word adds a third). A bunched topic has all its matches in
# its periods, as many as the periods can hold.
DISTRIBUTIONS = ("spread", "old_month", "newest_days", "two_periods")
SHARES = (2e-7, 2e-6, 2e-5, 2e-4, 2e-3, 2e-2)
NEWEST_DAYS = 7
SESSIONS = 2
# For building indexes only: the benchmark's queries run on the server's defaults.
BUILD_MEMORY = "512MB"


def at_scale(millions: float) -> dict:
    """CORPUS with as many posts as make about `millions` million comments (5.1 M as it is)."""
    return {**CORPUS, "posts_per_group": max(10, round(CORPUS["posts_per_group"] * millions / 5.15))}


def topic_word(distribution: str, share: float) -> str:
    # Letters no pseudo-word of the vocabulary uses ('z', 'q', 'x'), one stem per topic.
    return f"zq{distribution[0]}{'abcdef'[SHARES.index(share)]}x"


def topics(corpus: dict) -> list[dict]:
    """Every topic word with its periods [from, to) of comment time and its probability there."""
    first = datetime.fromisoformat(corpus["first_day"]).replace(tzinfo=UTC)
    last = datetime.fromisoformat(corpus["last_day"]).replace(tzinfo=UTC)
    # Comments follow their posts by days: the newest ones lie a little after the last post.
    end = last + timedelta(days=30)
    comments = corpus["groups"] * corpus["posts_per_group"] * corpus["mean_comments"]
    per_day = comments / (last - first).days

    def month(offset: int) -> tuple[datetime, datetime]:
        start = (first.replace(day=1) + timedelta(days=31 * offset)).replace(day=1)
        return start, (start + timedelta(days=31)).replace(day=1)

    periods = {"spread": [(first, end)], "old_month": [month(3)],
               "newest_days": [(last - timedelta(days=NEWEST_DAYS), end)],
               "two_periods": [month(1), month(18)]}
    result = []
    for distribution, spans in periods.items():
        days = sum(((min(to, last) - start) for start, to in spans), timedelta()) / timedelta(days=1)
        for share in SHARES:
            matches = max(1.0, share * comments)
            result.append({"word": topic_word(distribution, share), "distribution": distribution,
                           "share": share, "periods": spans,
                           "p": min(1.0, matches / (per_day * days))})
    return result


def topic_params(corpus: dict) -> dict:
    """The topics as the arrays search_corpus_comments.sql takes (one entry per period)."""
    rows = [(topic["word"], start, to, topic["p"])
            for topic in topics(corpus) for start, to in topic["periods"]]
    return {"topic_words": [r[0] for r in rows], "topic_from": [r[1] for r in rows],
            "topic_to": [r[2] for r in rows], "topic_p": [r[3] for r in rows]}


def build(url: str, corpus: dict | None = None, sessions: int = SESSIONS,
          log: Callable[[str], None] = print) -> dict:
    corpus = corpus or CORPUS
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        run_script(conn, "search_corpus_posts", corpus)
        # A partitioned index's definition names the parent ONLY; built again it must cascade.
        indexes = [(name, definition.replace(" ON ONLY ", " ON "))
                   for name, definition in conn.execute(load_query("comment_indexes")).fetchall()]
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier("vk", name)))

    def comments(part: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            # Triggers off for the bulk insert (the foreign key's): the script makes only
            # comments of posts it has just made.
            conn.execute("SET session_replication_role = replica")
            run_script(conn, "search_corpus_comments", {**corpus, **topic_params(corpus),
                                                        "part": part, "parts": sessions})

    def index(definition: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(BUILD_MEMORY)))
            conn.execute(definition)

    with ThreadPoolExecutor(sessions) as pool:
        list(pool.map(comments, range(sessions)))
        inserted = time.monotonic()
        log(f"corpus: comments made in {inserted - started:.0f} s; building {len(indexes)} indexes")
        list(pool.map(index, [definition for _, definition in indexes]))
    with psycopg.connect(url, autocommit=True) as conn:
        run_script(conn, "search_corpus_counts")
        conn.execute("VACUUM ANALYZE vk.comments")
        conn.execute("VACUUM ANALYZE vk.posts")
        # Gigabytes of new indexes are still being written out; timings should not share the
        # disk with that.
        conn.execute("CHECKPOINT")
    figures = {**describe(url, corpus), "seconds": time.monotonic() - started}
    log(f"corpus: {figures['comments']:,} comments ({figures['table_gib']:.1f} GiB with indexes), "
        f"'{BROAD_WORD}' in {figures['broad_matches']:,}, '{RARE_WORD}' in {figures['rare_matches']}, "
        f"{figures['seconds']:.0f} s")
    return figures


def describe(url: str, corpus: dict) -> dict:
    """What a built corpus holds (also one an earlier run kept)."""
    with psycopg.connect(url, autocommit=True) as conn:
        counts = conn.execute(load_query("corpus_counts"), corpus).fetchone()
    return {"comments": counts[0], "broad_matches": counts[1], "rare_matches": counts[2],
            "table_gib": float(counts[3]) / 2**30, "partitions": counts[4],
            "communities": corpus["groups"], "seconds": 0.0}
