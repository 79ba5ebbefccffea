"""Benchmarks 3 and 4: search latency through the query layer, and keyset against OFFSET pages.

Latency is what a caller of query.search_comments waits for (one connection, warm caches, after
warm-up calls that also prepare the statements): p50 and p95 over RUNS calls of a page of 50,
for a rare word and for a word in about a third of the comments, newest first and ranked,
across all groups and within one group (the one where the rare word is found most).
"""

import statistics
import time
from typing import Callable

import psycopg
from psycopg.rows import dict_row

from benchmarks.corpus import BROAD_WORD, RARE_WORD
from benchmarks.databases import load_query
from query import search_comments

RUNS = 60
WARM_UP = 5
PAGE = 50
DEEP_PAGE = 10_000
# The query as people type it: the plural of the rare word, found by stemming.
QUERIES = {"selective": RARE_WORD + "ы", "broad": BROAD_WORD}


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"p50_ms": statistics.median(ordered),
            "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
            "max_ms": ordered[-1], "runs": len(ordered)}


def timed(call: Callable[[], object], runs: int, warm_up: int = WARM_UP) -> tuple[dict, object]:
    for _ in range(warm_up):
        result = call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples), result


def search_group(conn: psycopg.Connection) -> int:
    """The corpus's communities are alike in size; this one has the most rare-word matches."""
    return conn.execute(load_query("search_group"), {"rare_word": RARE_WORD}).fetchone()["group_id"]


def latencies(url: str, log: Callable[[str], None] = print) -> list[dict]:
    """Every case RUNS times, the cases taking turns: a passing disturbance on the machine
    spreads over all of them instead of landing on one."""
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        group = search_group(conn)
        cases = [{"query": kind, "text": text, "order": order, "group_id": group_id,
                  "scope": "all groups" if group_id is None else "one group", "samples": []}
                 for kind, text in QUERIES.items() for order in ("newest", "relevance")
                 for group_id in (None, group)]

        def call(case: dict):
            return search_comments(conn, case["text"], order=case["order"],
                                   group_id=case["group_id"], limit=PAGE)

        for _ in range(WARM_UP):
            for case in cases:
                call(case)
        for _ in range(RUNS):
            for case in cases:
                started = time.perf_counter()
                page = call(case)
                case["samples"].append((time.perf_counter() - started) * 1000)
                case.update(tier=page.plan, rows=len(page.items))
    for case in cases:
        case.update(percentiles(case.pop("samples")))
        log(f"search: {case['query']} {case['order']} {case['scope']}: p50 {case['p50_ms']:.1f} ms, "
            f"p95 {case['p95_ms']:.1f} ms ({case['tier']})")
    return cases


def obvious_design(url: str, runs: int = 3) -> dict:
    """For scale: the broad newest-first page from a plain GIN index, which sorts every match."""
    with psycopg.connect(url, autocommit=True) as conn:
        figures, _ = timed(lambda: conn.execute(load_query("search_obvious"), {
            "words": BROAD_WORD, "limit": PAGE}, prepare=False).fetchall(), runs, warm_up=1)
    return figures


def pagination(url: str, log: Callable[[str], None] = print) -> dict:
    """Page 1 and page DEEP_PAGE of the broad word, newest first across all groups, by keyset
    (through the query layer) and by OFFSET; the deep keyset page is reached by walking."""
    deep_offset = (DEEP_PAGE - 1) * PAGE
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        keyset_first, first = timed(lambda: search_comments(conn, BROAD_WORD, limit=PAGE), RUNS)
        started = time.monotonic()
        cursor, walked = None, 0
        while walked < deep_offset:
            page = search_comments(conn, BROAD_WORD, limit=min(500, deep_offset - walked), cursor=cursor)
            walked += len(page.items)
            cursor = page.next_cursor
        walk_seconds = time.monotonic() - started
        keyset_deep, deep = timed(lambda: search_comments(conn, BROAD_WORD, limit=PAGE, cursor=cursor), RUNS)

        def by_offset(offset: int):
            return conn.execute(load_query("search_offset"), {
                "words": BROAD_WORD, "offset": offset, "limit": PAGE}, prepare=False).fetchall()

        offset_first, _ = timed(lambda: by_offset(0), RUNS)
        offset_deep, offset_rows = timed(lambda: by_offset(deep_offset), 3, warm_up=1)
    same = [(r["group_id"], r["comment_id"]) for r in deep.items] == \
        [(r["group_id"], r["comment_id"]) for r in offset_rows]
    if not same or len(first.items) != PAGE:
        raise RuntimeError("keyset page 10,000 differs from OFFSET page 10,000")
    result = {"page": DEEP_PAGE, "page_size": PAGE, "rows_before_deep_page": deep_offset,
              "walk_seconds": walk_seconds, "keyset_first": keyset_first, "keyset_deep": keyset_deep,
              "offset_first": offset_first, "offset_deep": offset_deep,
              "keyset_ratio": keyset_deep["p50_ms"] / keyset_first["p50_ms"],
              "offset_ratio": offset_deep["p50_ms"] / offset_first["p50_ms"],
              "deep_tier": deep.plan}
    log(f"pages: keyset page 1 {keyset_first['p50_ms']:.1f} ms, page {DEEP_PAGE:,} "
        f"{keyset_deep['p50_ms']:.1f} ms; OFFSET {offset_first['p50_ms']:.1f} ms, "
        f"{offset_deep['p50_ms']:.0f} ms")
    return result
