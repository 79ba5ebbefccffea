"""The search sweep (issue 12): latency whatever the words' frequency and wherever their
matches lie in time, through every filter, newest first and ranked.

Every topic word of the corpus (benchmarks/corpus.py: six frequencies from about one match to a
fiftieth of the table, each spread evenly, bunched in an old month, in the newest days, or split
between two distant periods) and the broad word (a third of the table), through each filter
below, in both orders: p50 and p95 of RUNS pages of 50 through query.search_comments, warm, the
cases taking turns, and the tier that answered.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Callable

import psycopg
from psycopg.rows import dict_row

from benchmarks.corpus import BROAD_WORD, CORPUS, topics
from benchmarks.databases import load_query
from benchmarks.search_latency import PAGE, percentiles
from query import search_comments

RUNS = 12
WARM_UP = 1
# Targets of issue 12, worst p95 over the sweep.
NEWEST_P95_MS = 50.0
RELEVANCE_P95_MS = 300.0
# A middle year of the corpus, for the date-range filter.
DATE_RANGE = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def filters(subjects: dict) -> dict[str, Callable[[str], dict]]:
    """Filter name -> (word -> search_comments arguments)."""
    return {
        "all groups": lambda word: {"text": word},
        "one group": lambda word: {"text": word, "group_id": subjects["group_id"]},
        "date range": lambda word: {"text": word, "since": DATE_RANGE[0], "until": DATE_RANGE[1]},
        "one author": lambda word: {"text": word, "author_id": subjects["author_id"]},
        "two words": lambda word: {"text": f"{word} {BROAD_WORD}"},
        "three words": lambda word: {"text": f"{word} маркер {BROAD_WORD}"},
        "hashtag": lambda word: {"text": f"{word} #новости"},
        "phrase": lambda word: {"text": f'"{word} маркер"'},
    }


def sweep(url: str, corpus: dict | None = None, runs: int = RUNS,
          log: Callable[[str], None] = print) -> dict:
    """{"subjects": the corpus size and what the filters name, "cases": every case's figures}."""
    corpus = corpus or CORPUS
    words = [(topic["word"], topic["distribution"], topic["share"]) for topic in topics(corpus)]
    words.append((BROAD_WORD, "spread", 1 / 3))
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        subjects = conn.execute(load_query("sweep_subjects")).fetchone()
        matches = {row["word"]: row["matches"] for row in conn.execute(
            load_query("topic_counts"), {"words": [word for word, _, _ in words]}).fetchall()}
        cases = [{"word": word, "distribution": distribution, "share": share,
                  "matches": matches[word], "filter": name,
                  "order": order, "arguments": {**make(word), "order": order, "limit": PAGE},
                  "samples": []}
                 for word, distribution, share in words
                 for name, make in filters(subjects).items() for order in ("newest", "relevance")]
        log(f"sweep: {len(cases)} cases, {runs} runs each")
        for _ in range(WARM_UP):
            for case in cases:
                search_comments(conn, **case["arguments"])
        for _ in range(runs):
            for case in cases:
                started = time.perf_counter()
                page = search_comments(conn, **case["arguments"])
                case["samples"].append((time.perf_counter() - started) * 1000)
                case.update(tier=page.plan, rows=len(page.items))
    for case in cases:
        case.update(percentiles(case.pop("samples")))
        case["arguments"] = {key: str(value) for key, value in case["arguments"].items()}
    for order in ("newest", "relevance"):
        case = worst(cases, order)
        log(f"sweep: worst {order} p95 {case['p95_ms']:.1f} ms ({case['word']}, "
            f"{case['distribution']}, {case['filter']}, {case['tier']})")
    return {"subjects": subjects, "cases": cases}


def worst(cases: list[dict], order: str) -> dict:
    return max((case for case in cases if case["order"] == order), key=lambda c: c["p95_ms"])
