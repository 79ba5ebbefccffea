"""The search benchmark's corpus: millions of comments made by SQL in the benchmark database.

Made set-based (benchmarks/sql/search_corpus_*.sql), in parallel sessions, with the comment
indexes dropped during the inserts and built afterwards, then vacuumed and analysed: what a
table loaded over months and maintained by autovacuum looks like.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import psycopg
from psycopg import sql

from benchmarks.databases import load_query, run_script

BROAD_WORD, RARE_WORD = "погода", "криптограф"
CORPUS = dict(groups=20, posts_per_group=2500, first_day="2025-01-01", last_day="2026-11-30",
              vocabulary=30_000, sentences=200_000, mean_comments=103, authors=400_000,
              broad_word=BROAD_WORD, rare_word=RARE_WORD, rare_share=0.000008)
SESSIONS = 2
# For building indexes only: the benchmark's queries run on the server's defaults.
BUILD_MEMORY = "512MB"


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
            run_script(conn, "search_corpus_comments", {**corpus, "part": part, "parts": sessions})

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
        counts = conn.execute(load_query("corpus_counts"), corpus).fetchone()
    figures = {"comments": counts[0], "broad_matches": counts[1], "rare_matches": counts[2],
               "table_gib": float(counts[3]) / 2**30, "partitions": counts[4],
               "communities": corpus["groups"], "seconds": time.monotonic() - started}
    log(f"corpus: {figures['comments']:,} comments ({figures['table_gib']:.1f} GiB with indexes), "
        f"'{BROAD_WORD}' in {figures['broad_matches']:,}, '{RARE_WORD}' in {figures['rare_matches']}, "
        f"{figures['seconds']:.0f} s")
    return figures
