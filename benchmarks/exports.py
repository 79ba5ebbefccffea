"""Benchmark 9: peak memory of an export as it grows to a million rows.

One community's million comments, every one matching the searched word. `python -m query search
погода --output ...` exports the newest tenth of them, then all of them, as CSV and as XLSX, each
in a process of its own (`python -m benchmarks.exports ...`) whose peak resident memory is read
from the kernel (VmHWM) when the export is done: the CLI's own peak, its imports included.
"Flat" is the same factor as the loading's (report.FLAT_MEMORY).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Callable

import psycopg

from benchmarks.databases import fresh_database, run_script

EXPORTS_DATABASE = "vk_benchmark_exports"
POSTS, COMMENTS_PER_POST = 10_000, 100
WORD = "погода"
# The newest tenth of the comments (the corpus spans 29 days and a few minutes).
SMALL_SPAN = timedelta(days=2.9)
FORMATS = ("csv", "xlsx")
ROOT = Path(__file__).resolve().parent.parent


def run(server_url: str | None = None, log: Callable[[str], None] = print) -> dict:
    url = fresh_database(server_url, EXPORTS_DATABASE)
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT vk.ensure_comment_partitions(now() - interval '2 months', "
                     "now() + interval '1 month')")
        run_script(conn, "export_corpus", {"posts": POSTS, "comments_per_post": COMMENTS_PER_POST})
        conn.execute("VACUUM ANALYZE vk.comments")
        newest = conn.execute("SELECT max(published_at) FROM vk.comments").fetchone()[0]
    log(f"exports: {POSTS * COMMENTS_PER_POST:,} comments made in {time.monotonic() - started:.0f} s")
    since = (newest - SMALL_SPAN).astimezone(UTC).isoformat()
    exports = []
    with tempfile.TemporaryDirectory(prefix="vk-export-benchmark-") as folder:
        for fmt in FORMATS:
            for label, window in (("newest tenth", ["--since", since]), ("all", [])):
                path = Path(folder) / f"export.{fmt}"
                figures = _export(url, [*window, "--output", str(path), "--format", fmt])
                figures.update(format=fmt, rows_label=label, file_mib=path.stat().st_size / 2**20)
                exports.append(figures)
                log(f"exports: {figures['rows']:,} rows as {fmt} in {figures['seconds']:.0f} s, "
                    f"peak {figures['peak_mib']:.0f} MiB")
                path.unlink()
    growth = {}
    for fmt in FORMATS:
        small, big = [e for e in exports if e["format"] == fmt]
        growth[fmt] = {"rows": big["rows"] / small["rows"], "peak": big["peak_mib"] / small["peak_mib"]}
    return {"exports": exports, "growth": growth, "comments": POSTS * COMMENTS_PER_POST}


def _export(url: str, arguments: list[str]) -> dict:
    started = time.monotonic()
    child = subprocess.run([sys.executable, "-m", "benchmarks.exports", WORD, *arguments],
                           capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "DATABASE_URL": url})
    if child.returncode != 0:
        raise RuntimeError(f"export {arguments} failed:\n{child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    figures["seconds"] = time.monotonic() - started
    return figures


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    import contextlib
    import io

    from query.__main__ import main

    progress = io.StringIO()
    with contextlib.redirect_stderr(progress):
        code = main(["search", *sys.argv[1:]])
    if code:
        sys.exit(f"python -m query search exited {code}: {progress.getvalue()[-2000:]}")
    # The progress line's last count is the number of rows written.
    written = progress.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    print(json.dumps({"rows": int(written.split()[0].replace(",", "")), "peak_mib": _peak_mib()}))
