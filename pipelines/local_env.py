"""The environment every local command runs in: database, Dagster home, VK endpoint.

`python -m pipelines.local_env ui`       Dagster UI (webserver + daemon) on the local defaults
`python -m pipelines.local_env env`      print the shell exports, for running `dagster` yourself
`python -m pipelines.local_env stop-db`  stop the embedded PostgreSQL
`python -m pipelines.local_env migrate`  bring schema vk to the code's revision (the owner's job)

Defaults, each replaced by setting the variable: DATABASE_URL (else the embedded PostgreSQL),
VK_TOKEN and VK_API_BASE_URL (else the local VK stand-in, started beside the UI).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from resources.database import SchemaBehind, current_revision, ensure_schema_current, upgrade_schema
from resources.settings import SETTINGS, vk_token_given
from resources.postgres_server import (
    DATA_DIR,
    PROJECT_ROOT,
    application_database_url,
    dagster_storage_url,
    redact,
    stop_embedded_server,
)

DAGSTER_HOME = DATA_DIR / "dagster"
# The stand-in's world, the same for `make demo` and `make ui`: what the demo loaded, the UI's
# runs find again.
STANDIN_SEED, STANDIN_GROUPS, STANDIN_DAYS = 2026, 24, 8


def prepare_dagster_home(home: Path = DAGSTER_HOME) -> Path:
    """A DAGSTER_HOME whose dagster.yaml is the repository's own (linked, so edits apply)."""
    home.mkdir(parents=True, exist_ok=True)
    link = home / "dagster.yaml"
    if not link.is_symlink():
        link.unlink(missing_ok=True)
        link.symlink_to(PROJECT_ROOT / "dagster.yaml")
    return home


def prepare(*, migrate: bool = True) -> dict[str, str]:
    """Start or reuse the database, migrate it, and return the variables Dagster needs."""
    app_url = application_database_url()
    if migrate:
        ensure_schema_current(app_url)
    return {
        "DATABASE_URL": app_url,
        "DAGSTER_STORAGE_URL": dagster_storage_url(app_url),
        "DAGSTER_HOME": str(prepare_dagster_home()),
        "VK_UPLOADS_DIR": str(SETTINGS.uploads_dir),
    }


def _run_ui() -> int:
    env = {**os.environ, **prepare()}
    standin = None
    if not vk_token_given():
        standin, standin_env = start_standin_process()
        env.update(standin_env)
    from pipelines.pools import size_vk_pool_at_start

    size_vk_pool_at_start(env)
    print(f"Database: {redact(env['DATABASE_URL'])}", flush=True)
    print("Dagster UI: http://127.0.0.1:3000 (Ctrl-C stops it)", flush=True)
    ui = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", "3000"],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        return ui.wait()
    except KeyboardInterrupt:
        # dagster dev ignores SIGTERM for a long time; its processes share one group.
        os.killpg(ui.pid, signal.SIGINT)
        try:
            return ui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
            return 1
    finally:
        if standin is not None:
            standin.terminate()


def start_standin_process() -> tuple[subprocess.Popen, dict[str, str]]:
    """The VK stand-in in a process of its own, for commands that outlive this one's threads."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "vk_standin", "--port", "0", "--machine-readable",
         "--seed", str(STANDIN_SEED), "--groups", str(STANDIN_GROUPS), "--days", str(STANDIN_DAYS)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    env: dict[str, str] = {}
    for line in proc.stdout:
        key, _, value = line.strip().partition("=")
        if key in ("VK_API_BASE_URL", "VK_TOKEN"):
            env[key] = value
        if len(env) == 2:
            break
    return proc, env


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "env"
    try:
        return _command(command)
    except SchemaBehind as error:
        print(f"error: {error}", file=sys.stderr)
        return 3


def _command(command: str) -> int:
    if command == "migrate":
        url = application_database_url()
        upgrade_schema(url)
        print(f"schema vk of {redact(url)} is at revision {current_revision(url)}")
        return 0
    if command == "ui":
        return _run_ui()
    if command == "stop-db":
        print("embedded PostgreSQL stopped" if stop_embedded_server() else "embedded PostgreSQL was not running")
        return 0
    if command == "env":
        for key, value in prepare().items():
            print(f"export {key}='{value}'")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
