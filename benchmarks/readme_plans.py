"""EXPLAIN ANALYZE of the queries each index serves, on the benchmark's corpus: what
sql/README.md quotes. Plans over every monthly partition are shortened to their first two
partitions' scans."""

import re

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.numeric import Int8

from benchmarks.corpus import BROAD_WORD, RARE_WORD
from benchmarks.databases import load_query
from benchmarks.plans import explain
from benchmarks.search_latency import search_group
from query.pages import EARLIEST
from query.prepared import CUSTOM_PLANS, GENERIC_PLANS, WALK_PLANS, WINDOW_PLANS, plan_settings
from query.search import GATHER_CAP, RELEVANCE_WINDOW, _bounds
from query.search_months import edge_statement
from resources.database import load_sql

_PARTITION_SCAN = re.compile(r"^(\s*)->  .* on comments_\d{4}_\d{2}\b")


def _search_params(words: str | None, **overrides) -> dict:
    return {"words": words, "hashtags": None, "mentions": None, "pairs": None, "group_id": None,
            "post_id": None, "author_id": None, "since": None, "until": None, "ranked": False,
            "limit": 51, "cap": GATHER_CAP, "candidates": 51, **_bounds(None, None), **overrides}


def shorten(lines: list[str], keep: int = 2) -> list[str]:
    """Keeps the first `keep` partition subtrees under each Append/MergeAppend."""
    out: list[str] = []
    skipping_indent = None
    seen: dict[int, int] = {}
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if skipping_indent is not None and indent > skipping_indent:
            continue
        skipping_indent = None
        match = _PARTITION_SCAN.match(line)
        if match:
            depth = len(match.group(1))
            seen[depth] = seen.get(depth, 0) + 1
            if seen[depth] > keep:
                skipping_indent = indent
                if seen[depth] == keep + 1:
                    out.append(" " * depth + "->  ... the same for the other partitions")
                continue
        out.append(line)
    return out


def collect(url: str) -> list[tuple[str, str, list[str]]]:
    """(title, how it runs, plan lines) for each query an index of migration 0004 serves."""
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        post = conn.execute(load_query("plan_subjects")).fetchone()
        group_id = search_group(conn)
        cases = [
            ("Common word, newest first, all groups: the first tier walks comments_time_idx",
             "search_comments_recent", True, _search_params(BROAD_WORD, since=EARLIEST)),
            ("Common word, newest first, one group: comments_group_time_idx",
             "search_comments_recent_in_group", True,
             _search_params(BROAD_WORD, since=EARLIEST, group_id=Int8(group_id))),
            ("Rare word: the second tier reads every match from comments_search_idx (GIN)",
             "search_comments_few", True, _search_params(RARE_WORD)),
            ("Common word ranked: the planned tier walks comments_time_idx for the relevance window",
             "search_comments", False, _search_params(BROAD_WORD, ranked=True, candidates=RELEVANCE_WINDOW)),
            ("Exact hashtag: comments_hashtags_idx", "search_comments", False,
             _search_params("", hashtags=["новости"])),
            ("Author filter: comments_author_time_idx", "search_comments", False,
             _search_params(BROAD_WORD, author_id=Int8(post["author_id"]))),
            ("A post's comments in thread order: comments_thread_order_idx, one partition",
             "list_post_comments", False,
             {"group_id": Int8(post["group_id"]), "post_id": Int8(post["post_id"]),
              "post_published_at": post["published_at"], "after_thread_id": Int8(0),
              "after_comment_id": Int8(0), "limit": 51}),
            ("A group's posts by engagement: posts_group_engagement_idx",
             "list_group_posts_by_engagement", False,
             {"group_id": Int8(group_id), "after_engagement": 2**31 - 1, "after_post_id": Int8(0),
              "limit": 51}),
        ]
        plans = []
        for title, query, generic, params in cases:
            for _ in range(2):  # the second run is the warm one
                rows = explain(conn, load_sql(query), params, generic=generic)
            how = "prepared, generic plan" if generic else "planned for its parameters"
            plans.append((title, f"{query}.sql, {how}", shorten([row["QUERY PLAN"] for row in rows])))
        return plans


def collect_months(url: str) -> list[tuple[str, str, list[str]]]:
    """The months tier's statements (query/search_months.py) on the sweep's corpus, for a word
    bunched in an old month: the month list, the newer months where the word is absent (GIN, in
    one statement), the month's tail (GIN and time index ANDed) and the month below it (a
    stretch of its time index); a spread word's newest month read through a window (its start
    counted in the partition's time index, then the GIN and time index ANDed); a spread word's
    month within one group (the GIN and the group's time index together); and a phrase of two common words that never
    stand side by side, found through the pair index by the second tier."""
    from benchmarks.corpus import SHARES, topic_word
    from query import search as search_module
    from query.search_months import INT64_MIN, NO_FLOOR, WALK_SLACK

    word = topic_word("old_month", SHARES[-1])
    spread = topic_word("spread", SHARES[-1])
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        params = {**_search_params(word), **NO_FLOOR, "want": 51}
        months = conn.execute(load_sql("search_months"), params).fetchall()
        densest = conn.execute(load_query("densest_month"), {"word": word}).fetchone()["month_start"]
        bunched = next(month for month in months if month["month_start"] == densest)
        share = search_module.word_facts(conn, word).months[densest].together
        phrase = f'"{BROAD_WORD} маркер"'
        newest = months[0]
        spread_params = {**_search_params(spread), **NO_FLOOR, "want": 51,
                         "month_start": newest["month_start"], "month_end": newest["month_end"],
                         "partition": sql.Identifier(newest["partition_schema"], newest["partition_name"])}
        window = round(WALK_SLACK * 51 / search_module.word_facts(conn, spread).months[
            newest["month_start"]].together)
        with plan_settings(conn, WALK_PLANS):
            window_start = conn.execute(_statement(conn, "search_month_edge", spread_params),
                                        {**spread_params, "skip": window - 1}).fetchone()["published_at"]
        cases = [
            ("Months tier: each month's newest comment, newest first (comments_time_idx, one step a month)",
             "search_months", True, params),
            ("Months tier, the months newer than the word's: their GIN indexes (comments_search_idx) "
             "in one statement, nothing read",
             "search_month_gather", True, {**params, "month_start": bunched["month_end"],
                                           "month_end": months[0]["month_end"]}),
            ("Months tier, the tail of the month the word is bunched in (its last posts' comments, "
             "written in the following month, where the word is rare): the time index and the GIN "
             "index ANDed, none of the tail read from the heap",
             "search_month_window", False, {**params, "month_start": bunched["month_start"],
                                            "month_end": bunched["month_end"],
                                            "window_start": bunched["month_end"]}),
            ("Months tier, the month the word is bunched in, below its tail: one stretch of "
             "comments_time_idx, read as far as a full page",
             "search_month_walk", False, {**params, "month_start": bunched["month_start"],
                                          "month_end": bunched["month_end"],
                                          "before_published_at": bunched["month_end"],
                                          "before_group_id": Int8(INT64_MIN),
                                          "before_comment_id": Int8(INT64_MIN),
                                          "walk_rows": max(51, round(WALK_SLACK * 51 / share))}),
            ("Months tier, a spread word (2 % of comments) across all groups, its newest month "
             "read through windows: where the window starts, counted in the partition's "
             "time index alone (an index-only scan)",
             "search_month_edge", False, {**spread_params, "skip": window - 1}),
            ("Months tier, the same window: comments_time_idx and the GIN index ANDed, only the "
             "window's matches read from the heap",
             "search_month_window", False, {**spread_params, "window_start": window_start}),
            ("Months tier, one group, a spread word (2 % of comments): the GIN index and "
             "comments_group_time_idx together, only the group's matches read",
             "search_month_gather", False, {**_search_params(spread), **NO_FLOOR, "want": 51,
                                            "group_id": Int8(search_group(conn)),
                                            "month_start": bunched["month_start"],
                                            "month_end": bunched["month_end"]}),
            (f"A phrase of two common words that never stand side by side ({phrase}): the second "
             "tier asks the pair index (comments_phrase_pairs_idx), planned for the phrase's pairs",
             "search_comments_few", False,
             _search_params(phrase, pairs=search_module._query_lexemes(conn, phrase)["pairs"])),
        ]
        return [(title, f"{query}.sql, "
                 f"{'prepared, generic plan' if generic else 'planned for its parameters'}",
                 shorten([row["QUERY PLAN"] for row in _warm_explain(conn, query, params, generic)]))
                for title, query, generic, params in cases]


def _warm_explain(conn, query: str, params: dict, generic: bool) -> list:
    # With the settings query/search.py runs them with: in a generic_plans block (no parallel
    # workers), and a walk or a tail with its own.
    settings = {**GENERIC_PLANS, **CUSTOM_PLANS,
                **{"search_month_walk": WALK_PLANS, "search_month_edge": WALK_PLANS,
                   "search_month_window": WINDOW_PLANS}.get(query, {})}
    with plan_settings(conn, settings):
        for _ in range(2):  # the second run is the warm one
            rows = explain(conn, _statement(conn, query, params), params, generic=generic)
    return rows


def _statement(conn, query: str, params: dict) -> str:
    """The text of sql/queries/`query`.sql, with the month's partition where it names one."""
    return edge_statement(params["partition"]).as_string(conn) if query == "search_month_edge" \
        else load_sql(query)
