"""`python -m benchmarks.watches`: keyword watches evaluated after a day's comments load, 100 of
them, on the search benchmark's corpus (benchmarks/corpus.py), every one with a webhook
answered by a local receiver.

Measured: the `keyword_watches` asset materialized for one day (its first look: hits found,
stored and POSTed), again for the same day (a rerun: nothing new, nothing sent) and for the
next day; against that day's own load, taken as the day's comments at the loading path's
rate (stage COPY + merge, the ingest benchmark's rows/s): the database's share of a load
alone, so a conservative reference; and against the whole comments step of a day that size
against the stand-in (part 5's measured loads, interpolated), which a real load's waits for
VK's rate limits only make longer.

`--scale 1` is the 5 M corpus; the default, a fifth of its months with the same posts and
comments per day, so a day and its monthly partition look as they do at 5 M.
"""

import argparse
import json
import multiprocessing
import random
import statistics
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import psycopg
from dagster import DagsterInstance, materialize
from psycopg.rows import dict_row

from assets.watches import WatchDays, keyword_watches
from benchmarks import corpus
from benchmarks.databases import drop, fresh_database
from query.watches import add_watch
from resources.database import PostgresResource
from resources.postgres_server import embedded_server_url

RESULTS = Path(__file__).resolve().parent / "results"
# Its own database: the other parts may run beside it on the same server.
WATCHES_DATABASE = "vk_benchmark_watches"
WATCHES = 100
# The loading path's rate when no ingest result is at hand (benchmarks/results/latest.md).
DEFAULT_PATH_ROWS_PER_SECOND = 7_579
TARGET_SHARE = 0.05
DAY = "2026-10-14"
HASHTAGS = ("#новости", "#москва", "#спорт", "#розыгрыш", "#sale")


def scaled_corpus(scale: float) -> dict:
    """The 5 M corpus over fewer months, posts per group cut in proportion: the same density."""
    full = corpus.CORPUS
    first, last = date.fromisoformat(full["first_day"]), date.fromisoformat(full["last_day"])
    days = (last - first).days
    kept = max(60, round(days * scale))
    return {**full, "first_day": str(last - timedelta(days=kept)),
            "posts_per_group": round(full["posts_per_group"] * kept / days)}


class _Receiver:
    """The webhooks' endpoint, in a process of its own as a real receiver would be: in the
    loader's process its threads would take the interpreter from the step being measured."""

    def __init__(self):
        self._posts = multiprocessing.Value("i", 0)
        ready = multiprocessing.Queue()
        self._process = multiprocessing.Process(target=_serve, args=(self._posts, ready), daemon=True)
        self._process.start()
        self.url = f"http://127.0.0.1:{ready.get(timeout=30)}/hook"

    @property
    def posts(self) -> int:
        return self._posts.value

    def close(self) -> None:
        self._process.terminate()
        self._process.join()


def _serve(posts, ready) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            with posts.get_lock():
                posts.value += 1
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.put(server.server_port)
    server.serve_forever()


def add_watches(conn: psycopg.Connection, url: str, seed: int = 7) -> None:
    """100 watches as people write them: the corpus' broad word (a third of all comments) and
    rare one, five hashtags, and words and two-word phrases drawn from the distinct words of
    the day's comments (names and topics are rarer than the commonest words); a fifth of the
    watches limited to one community."""
    rng = random.Random(seed)
    texts = [row["text"].split() for row in conn.execute(
        "SELECT text FROM vk.comments WHERE post_published_at >= %s::date "
        "AND post_published_at < %s::date + 1 AND text <> '' ORDER BY comment_id",
        (DAY, DAY)).fetchall()]
    words = sorted({word for text in texts for word in text if not word.startswith("#")})
    phrases = sorted({f'"{text[n]} {text[n + 1]}"' for text in texts[:500] for n in range(len(text) - 1)})
    queries = [corpus.BROAD_WORD, corpus.RARE_WORD, *HASHTAGS]
    queries += rng.sample(phrases, 10)
    queries += rng.sample(words, WATCHES - len(queries))
    for n, text in enumerate(queries):
        groups = [str(1 + n % 20)] if n % 5 == 4 else None
        add_watch(conn, f"watch {n}", text, groups=groups, webhook_url=url)


def _materialize(database: PostgresResource, instance, first: str, last: str) -> dict:
    """The step's own figures (its metadata: matching, all of it) and the run's wall time."""
    started = time.monotonic()
    result = materialize([keyword_watches], resources={"database": database}, instance=instance,
                         run_config={"ops": {"keyword_watches": {"config": {
                             "first_day": first, "last_day": last}}}})
    assert result.success
    shown = result.asset_materializations_for_node("keyword_watches")[0].metadata
    return {"run_seconds": time.monotonic() - started, "new_hits": shown["new_hits"].value,
            "matching_seconds": shown["matching_seconds"].value,
            "step_seconds": shown["duration_seconds"].value}


def comments_step_seconds(comments: int, loads: list[dict] | None) -> float | None:
    """The whole comments step for a day of `comments`, against the stand-in: interpolated
    between the memory benchmark's measured loads (part 5: comments, seconds), None without
    them."""
    if not loads:
        return None
    points = sorted((load["comments"], load["seconds"]) for load in loads)
    below = max((point for point in points if point[0] <= comments), default=points[0])
    above = min((point for point in points if point[0] > comments), default=points[-1])
    if above[0] == below[0]:
        return below[1] * comments / below[0]
    return below[1] + (comments - below[0]) * (above[1] - below[1]) / (above[0] - below[0])


def run(url: str, scale: float = 0.2, path_rows_per_second: float | None = None,
        step_loads: list[dict] | None = None, log: Callable[[str], None] = print) -> dict:
    built = corpus.build(url, scaled_corpus(scale) if scale < 1 else None, log=log)
    receiver = _Receiver()
    database = PostgresResource(database_url=url)
    start, end = WatchDays(first_day=DAY, last_day=DAY).window()  # the day as the asset sees it
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        add_watches(conn, receiver.url)
        day_comments = conn.execute(
            "SELECT count(*) AS n FROM vk.comments WHERE post_published_at >= %s "
            "AND post_published_at < %s", (start, end)).fetchone()["n"]
    next_day = str(date.fromisoformat(DAY) + timedelta(days=1))
    instance = DagsterInstance.ephemeral()
    _materialize(database, instance, "2026-09-01", "2026-09-01")  # imports, pools, plans warm
    # The first look three times (the day's hits forgotten between), the median kept: a
    # shared machine's noise is seconds, the figure a fraction of one.
    looks = []
    for attempt in range(3):
        if attempt:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("DELETE FROM vk.watch_hits WHERE post_published_at >= %s "
                             "AND post_published_at < %s", (start, end))
        posts_before = receiver.posts
        looks.append(_materialize(database, instance, DAY, DAY))
    posts_first = receiver.posts - posts_before
    first = sorted(looks, key=lambda look: look["step_seconds"])[1]
    reruns = [_materialize(database, instance, DAY, DAY) for _ in range(3)]
    posts_rerun = receiver.posts - posts_first - posts_before
    following = _materialize(database, instance, next_day, next_day)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        hits = conn.execute("SELECT count(*) AS n, count(delivered_at) AS delivered "
                            "FROM vk.watch_hits").fetchone()
    rate = path_rows_per_second or DEFAULT_PATH_ROWS_PER_SECOND
    load_seconds = day_comments / rate
    step_seconds = comments_step_seconds(day_comments, step_loads)
    figures = {
        "corpus_comments": built.get("comments"), "scale": scale, "day": DAY,
        "day_comments": day_comments, "watches": WATCHES, "hits": hits["n"],
        "hits_delivered": hits["delivered"], "posts_first_look": posts_first,
        "posts_on_rerun": posts_rerun, "first_look": first, "first_looks": looks,
        "rerun_step_seconds": statistics.median(run["step_seconds"] for run in reruns),
        "next_day": following, "load_seconds_reference": load_seconds,
        "path_rows_per_second": rate,
        "share_of_load": first["step_seconds"] / load_seconds, "target_share": TARGET_SHARE,
        "comments_step_seconds_reference": step_seconds,
        "share_of_comments_step": step_seconds and first["step_seconds"] / step_seconds,
    }
    log(f"watches: {WATCHES} over {day_comments:,} comments of {DAY}: first look "
        f"{first['step_seconds']:.2f} s in the step ({first['matching_seconds']:.2f} s matching, "
        f"{first['new_hits']:,} hits, {posts_first} POSTs; run {first['run_seconds']:.2f} s), "
        f"rerun {figures['rerun_step_seconds']:.2f} s ({posts_rerun} POSTs), next day "
        f"{following['step_seconds']:.2f} s; the day's load >= {load_seconds:.2f} s of database "
        f"work -> {100 * figures['share_of_load']:.1f} %"
        + (f"; the day's whole comments step ~{step_seconds:.1f} s -> "
           f"{100 * figures['share_of_comments_step']:.1f} %" if step_seconds else "")
        + f" (target < {100 * TARGET_SHARE:.0f} %)")
    receiver.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.watches", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.2, help="share of the 5 M corpus' months")
    parser.add_argument("--server-url", help="another PostgreSQL server (admin URL)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    server = args.server_url or embedded_server_url()
    latest = RESULTS / "latest.json"
    latest_figures = json.loads(latest.read_text()) if latest.exists() else {}
    figures = run(fresh_database(server, WATCHES_DATABASE), args.scale,
                  latest_figures.get("ingest", {}).get("path_rows_per_second"),
                  latest_figures.get("memory", {}).get("sizes"))
    if not args.keep:
        drop(server, WATCHES_DATABASE)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "watches.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
