"""Dagster run the way its documentation teaches, in the repository root, with no exports."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_definitions_validate_in_the_repository_root_with_a_clean_environment(tmp_path):
    # Nothing but a PATH and a HOME; the local state goes to a folder of the test's own.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VK_DATA_DIR": str(tmp_path / "data")}
    dagster = Path(sys.executable).with_name("dagster")
    try:
        done = subprocess.run([str(dagster), "definitions", "validate"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-3000:]
        assert "All code locations passed validation" in output
        assert "DAGSTER_STORAGE_URL" not in output

        dg = Path(sys.executable).with_name("dg")
        done = subprocess.run([str(dg), "check", "defs"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        assert "All definitions loaded successfully" in done.stdout + done.stderr
        done = subprocess.run([str(dg), "list", "defs", "--json"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        listed = json.loads(done.stdout[done.stdout.index("{"):])
        assets = {asset["asset_key"] for asset in listed["assets"]}
        assert {"groups", "posts", "comments", "tasks", "post_engagement"} <= assets
    finally:
        subprocess.run([sys.executable, "-m", "pipelines.local_env", "stop-db"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)


def test_every_job_sensor_and_schedule_resolves():
    # Fast, in-process: a name clash (an asset and a job of one name) fails here, not in CI's UI run.
    from dagster import Definitions

    from pipelines.definitions import defs

    Definitions.validate_loadable(defs)
    assert {"collect", "deliver_watch_hits"} <= {job.name for job in defs.get_repository_def().get_all_jobs()}
