"""`make demo`'s main job, end to end in a process of its own, as a newcomer runs it."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from resources.postgres_server import drop_database, ensure_database, with_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_demo_loads_real_rows_and_says_where_they_are(pg_server_url, tmp_path):
    app, storage = f"vk_test_demo_{os.getpid()}", f"dagster_test_demo_{os.getpid()}"
    app_url = ensure_database(pg_server_url, app)
    ensure_database(pg_server_url, storage)
    env = {**os.environ, "DATABASE_URL": app_url,
           "DAGSTER_DATABASE_URL": with_database(pg_server_url, storage),
           "VK_DATA_DIR": str(tmp_path), "VK_DEMO_DAYS": "2"}
    env.pop("VK_TOKEN", None)
    try:
        done = subprocess.run([sys.executable, "-m", "pipelines.demo"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert "succeeded" in done.stdout and "schema vk at revision" in done.stdout
        assert "make ui" in done.stdout
        # Progress a person can follow, then the summary; Dagster's event stream in a file.
        out = done.stdout
        for line in ("groups: started", "posts: started", "comments: started", "comments stored for 2 days"):
            assert line in out, out[-3000:]
        assert out.index("comments stored") < out.index("succeeded")
        assert "DEBUG" not in out + done.stderr and "STEP_START" not in out
        assert "BetaWarning" not in done.stderr
        events = tmp_path / "demo-events.log"
        assert f"event log ({len(events.read_text().splitlines())} events): {events}" in out
        assert "STEP_SUCCESS" in events.read_text() and "ASSET_MATERIALIZATION" in events.read_text()
        with psycopg.connect(app_url) as conn:
            counts = {t: conn.execute(f"SELECT count(*) FROM vk.{t}").fetchone()[0]
                      for t in ("groups", "posts", "comments", "group_upload_lines", "tasks")}
            processing = conn.execute(
                "SELECT count(*) FROM vk.tasks WHERE status = 'processing'").fetchone()[0]
        assert all(counts[t] > 0 for t in ("groups", "posts", "comments", "group_upload_lines"))
        assert counts["tasks"] >= 2  # the collect run and the reconciliation itself
        assert processing == 0  # no daemon ran, and still nothing is left `processing`
    finally:
        drop_database(pg_server_url, app)
        drop_database(pg_server_url, storage)
