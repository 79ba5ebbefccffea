"""`python -m benchmarks.run` (or `make benchmark`): every benchmark of issue 6, one command.

Prints figures as it goes and writes benchmarks/results/latest.md (with the machine, the
command and the targets) and latest.json (--output names them otherwise). Runs on the embedded PostgreSQL with its defaults
unless --server-url names another server; the databases it makes are dropped at the end.
`--only search` (or vk, throughput, memory, ingest, search_sweep, watches, exports) runs one part. `--only search_sweep`
is issue 12's sweep of word frequencies and distributions in time; `--scale 1` (or 20) makes its
corpus about that many million comments, `--corpus-database NAME` measures a corpus an earlier
`--keep` run left instead of building one. `--only corpus_ingest` (with or without search_sweep)
measures ingest into that corpus, beside the comments already there.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from benchmarks import (
    corpus,
    exports,
    ingest,
    memory,
    readme_plans,
    search_latency,
    search_sweep,
    throughput,
    vk_efficiency,
    watches,
)
from benchmarks.databases import BENCHMARK_DATABASE, drop, fresh_database
from benchmarks.report import render, write_plans
from resources.postgres_server import embedded_server_url, redact, with_database

RESULTS = Path(__file__).resolve().parent / "results"
SQL_README = Path(__file__).resolve().parent.parent / "sql" / "README.md"
PARTS = ("vk", "throughput", "memory", "ingest", "search", "search_sweep", "corpus_ingest", "watches",
         "exports")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    parser.add_argument("--server-url", help="another PostgreSQL server (admin URL)")
    parser.add_argument("--ingest-rows", type=int,
                        help=f"ingest: {ingest.INGEST_ROWS:,} by default; corpus_ingest: {ingest.CORPUS_INGEST_ROWS:,}")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--scale", type=float, default=None,
                        help="search_sweep: millions of comments in its corpus (default 5.1)")
    parser.add_argument("--corpus-database", help="search_sweep: an existing corpus database")
    parser.add_argument("--output", default="latest",
                        help="results file name in benchmarks/results (default: latest)")
    args = parser.parse_args(argv)
    parts = args.only or PARTS
    server = args.server_url or embedded_server_url()
    started = time.monotonic()
    results: dict = {"machine": _machine(server), "command": _command(argv),
                     "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "load_average_before": os.getloadavg()}

    def log(line: str) -> None:
        print(f"[{time.monotonic() - started:6.0f} s] {line}", flush=True)

    def section(name: str, work) -> None:
        section_started = time.monotonic()
        results[name] = work()
        results[name + "_seconds"] = time.monotonic() - section_started

    if "vk" in parts:
        section("vk", lambda: vk_efficiency.run(log=log))
    if "throughput" in parts:
        section("throughput", lambda: throughput.run(server, log=log))
        if not args.keep:
            drop(server, throughput.THROUGHPUT_DATABASE)
    if "memory" in parts:
        section("memory", lambda: memory.run(server, log=log))
        if not args.keep:
            drop(server, memory.MEMORY_DATABASE)
    if "ingest" in parts:
        section("ingest", lambda: ingest.run(fresh_database(server), args.ingest_rows or ingest.INGEST_ROWS,
                                             log=log))
    if "search" in parts:
        url = fresh_database(server)
        section("corpus", lambda: corpus.build(url, log=log))
        section("search", lambda: search_latency.latencies(url, log=log))
        section("obvious", lambda: search_latency.obvious_design(url))
        section("pagination", lambda: search_latency.pagination(url, log=log))
        section("plans", lambda: readme_plans.collect(url))
    if "search_sweep" in parts or "corpus_ingest" in parts:
        sweep_corpus = corpus.at_scale(args.scale) if args.scale else corpus.CORPUS
        if args.corpus_database:
            url = with_database(server, args.corpus_database, driver="postgresql")
            section("sweep_corpus", lambda: corpus.describe(url, sweep_corpus))
        else:
            url = fresh_database(server)
            section("sweep_corpus", lambda: corpus.build(url, sweep_corpus, log=log))
        if "search_sweep" in parts:
            section("sweep", lambda: search_sweep.sweep(url, sweep_corpus, log=log))
            section("sweep_plans", lambda: readme_plans.collect_months(url))
        if "corpus_ingest" in parts:
            section("corpus_ingest", lambda: ingest.run_into_corpus(
                url, args.ingest_rows or ingest.CORPUS_INGEST_ROWS, log=log))
    if "watches" in parts:
        section("watches", lambda: watches.run(
            fresh_database(server, watches.WATCHES_DATABASE), log=log,
            path_rows_per_second=results.get("ingest", {}).get("path_rows_per_second"),
            step_loads=results.get("memory", {}).get("sizes")))
        if not args.keep:
            drop(server, watches.WATCHES_DATABASE)
    if "exports" in parts:
        section("exports", lambda: exports.run(server, log=log))
        if not args.keep:
            drop(server, exports.EXPORTS_DATABASE)
    if not args.keep:
        drop(server, BENCHMARK_DATABASE)
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = time.monotonic() - started
    RESULTS.mkdir(exist_ok=True)
    report = render(results)
    (RESULTS / f"{args.output}.md").write_text(report, encoding="utf-8")
    (RESULTS / f"{args.output}.json").write_text(json.dumps(results, indent=1, default=str),
                                                 encoding="utf-8")
    if "plans" in results and args.output == "latest":
        write_plans(SQL_README, results)
    if "sweep_plans" in results and args.output == "sweep":
        write_plans(SQL_README, results, "sweep_plans")
    print("\n" + report)
    return 0


def _command(argv: list[str] | None) -> str:
    return " ".join([".venv/bin/python -m benchmarks.run", *(sys.argv[1:] if argv is None else argv)])


def _machine(server: str) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")))
    with psycopg.connect(server) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        settings = dict(conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            (["shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
              "max_wal_size", "random_page_cost", "jit"],)).fetchall())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory_kib / 2**20, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "postgresql": version, "server": redact(server), "settings": settings}


if __name__ == "__main__":
    sys.exit(main())
