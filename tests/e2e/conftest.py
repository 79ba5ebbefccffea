"""The UI path, tested as a user meets it: `dagster dev` (webserver + daemon + code server) in
processes of its own, against throwaway databases on the server under test and the VK stand-in
served from this process; work is launched through the webserver's GraphQL API (or its pages).

One stack serves the whole session (starting it costs ~30 s). Tests never rely on each other's
data: each deletes the rows of its own window first, so what it finds was loaded by its launch.
The stack is tests/e2e/stack.py, its GraphQL client tests/e2e/graphql_client.py.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pipelines.local_env import prepare_dagster_home
from resources.database import upgrade_schema
from resources.postgres_server import drop_database, ensure_database, with_database
from tests.e2e.stack import DagsterUi, free_port, moscow_midnight, stop_process_group
from vk_standin.server import StandInServer
from vk_standin.world import World

REPO_ROOT = Path(__file__).resolve().parents[2]
PARTITIONS_START = "2025-01-01"
# Generous but bounded: `dagster dev` on two cores with PostgreSQL storage.
STARTUP_TIMEOUT = 180


@pytest.fixture(scope="session")
def e2e_world() -> World:
    """A year of 2025 (Moscow days) on four open communities and four that cannot be read.

    Small on purpose: the year backfill must stay quick, yet every day partition is a real
    window with posts, comments, reply branches, deleted comments and closed comment sections.
    """
    return World(seed=2025, n_groups=8, start=moscow_midnight(date(2025, 1, 1)), days=365,
                 posts_per_day=0.6, mean_comments=2.0, max_comments=40, hot_post_share=0.01)


@pytest.fixture(scope="session")
def standin(e2e_world: World) -> Iterator[StandInServer]:
    # Served on 127.0.0.1 from a thread here: Dagster's run processes reach it over loopback.
    with StandInServer(e2e_world) as server:
        yield server


@pytest.fixture(scope="session")
def dagster_ui(pg_server_url: str, standin: StandInServer, e2e_world: World,
               tmp_path_factory) -> Iterator[DagsterUi]:
    """`dagster dev` on a free port: webserver, daemon and code server, as `make ui` starts them."""
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    app_name, dagster_name = f"vk_e2e_{tag}", f"dagster_e2e_{tag}"
    app_url = ensure_database(pg_server_url, app_name)
    upgrade_schema(app_url)
    storage_url = ensure_database(pg_server_url, dagster_name)
    root = tmp_path_factory.mktemp("e2e")
    uploads = root / "uploads"
    uploads.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(prepare_dagster_home(root / "dagster_home")),
        "DAGSTER_STORAGE_URL": with_database(storage_url, dagster_name, driver="postgresql+psycopg2"),
        "DATABASE_URL": app_url,
        "VK_TOKEN": standin.token,
        "VK_API_BASE_URL": standin.base_url,
        "VK_PARTITIONS_START": PARTITIONS_START,
        "VK_PARTITIONS_TIMEZONE": "Europe/Moscow",
        "VK_UPLOADS_DIR": str(uploads),
        "VK_RUN_RETRY_DELAY_SECONDS": "1",
        # The stand-in has no rate limit; the client's own 3/s would only make the year slow.
        "VK_REQUESTS_PER_SECOND": "50",
    }
    env.pop("DAGSTER_DATABASE_URL", None)
    port = free_port()
    log_path = root / "dagster_dev.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    ui = DagsterUi(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path,
                   app_database_url=app_url, world=e2e_world)
    try:
        ui.wait_until_ready(STARTUP_TIMEOUT)
        yield ui
    finally:
        stop_process_group(process)
        log.close()
        ui.session.close()
        drop_database(pg_server_url, app_name)
        drop_database(pg_server_url, dagster_name)


@pytest.fixture(scope="session")
def monitored_groups(dagster_ui: DagsterUi, e2e_world: World, tmp_path_factory) -> list[int]:
    """The world's communities uploaded through the `groups` asset, launched like the UI does."""
    upload = tmp_path_factory.mktemp("group_file") / "groups.txt"
    upload.write_text("\n".join(str(group_id) for group_id in e2e_world.group_ids()) + "\n")
    run_id = dagster_ui.launch_run(
        assets=["groups"], run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
    dagster_ui.wait_for_run(run_id)
    with dagster_ui.db() as conn:
        valid = [r["group_id"] for r in conn.execute(
            "SELECT group_id FROM vk.groups WHERE is_monitored AND validation_status = 'valid' ORDER BY 1")]
    assert valid == sorted(e2e_world.group_ids("open")), "the groups run validated other communities"
    return valid
