"""`make demo`: the main job end to end on the local defaults.

Starts (or reuses) the database and migrates it, then runs the `collect` job (groups from an
uploaded list, posts and comments of the last complete days) on a real Dagster instance, against
the VK stand-in, or the real API when VK_TOKEN is set, and says where the data is.
"""

import logging
import os
import sys
import warnings
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from dagster import BetaWarning, DagsterInstance

from assets.partitions import PARTITIONS_TIMEZONE, range_tags
from pipelines.local_env import STANDIN_DAYS, STANDIN_GROUPS, STANDIN_SEED, prepare
from assets.tasks import mirror_run
from pipelines.progress import progress_logger
from resources.database import PostgresResource, current_revision
from resources.postgres_server import redact
from resources.settings import SETTINGS, configured_demo_days, configured_demo_groups, vk_token_given

DEMO_DAYS = configured_demo_days(default=STANDIN_DAYS - 1)


LOGGERS = {"progress": progress_logger}
EVENTS_FILE = SETTINGS.data_dir / "demo-events.log"


def write_event_log(instance: DagsterInstance, run_ids: list[str], path: Path) -> int:
    """Every event of the runs, one line each, as the UI's run page lists them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for run_id in run_ids:
            for entry in instance.all_logs(run_id):
                kind = entry.dagster_event.event_type_value if entry.dagster_event else "LOG"
                moment = datetime.fromtimestamp(entry.timestamp, ZoneInfo("UTC")).isoformat()
                message = " ".join(str(entry.message or "").split())
                out.write(f"{moment} {run_id[:8]} {logging.getLevelName(entry.level):<7} {entry.step_key or '-'} {kind} {message}\n")
                count += 1
    return count


def _table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'vk' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "ORDER BY 1"
        )]
        return {t: conn.execute(f"SELECT count(*) FROM vk.{t}").fetchone()[0] for t in tables}


def _standin(stack: ExitStack) -> tuple[dict[str, str], list[str]]:
    """The stand-in serving the local world (as `make ui` does); and a messy list of its groups."""
    from vk_standin.server import StandInServer
    from vk_standin.world import World

    today = datetime.now(ZoneInfo("UTC")).replace(hour=0, minute=0, second=0, microsecond=0)
    world = World(seed=STANDIN_SEED, n_groups=STANDIN_GROUPS,
                  start=today - timedelta(days=STANDIN_DAYS), days=STANDIN_DAYS)
    server = stack.enter_context(StandInServer(world))
    groups = world.groups()
    # The forms people paste, with the mistakes they make: every line gets an outcome.
    lines = ["ссылка"]
    for index, group in enumerate(groups):
        lines.append((f"https://vk.com/club{group['id']}", f"@{group['screen_name']}",
                      f"vk.ru/{group['screen_name']}/", f"-{group['id']}")[index % 4])
    lines += [f"https://m.vk.com/{groups[0]['screen_name']}", "no_such_community_zz", "hello world"]
    return {"VK_TOKEN": server.token, "VK_API_BASE_URL": server.base_url}, lines


def main() -> int:
    # A newcomer reads the progress lines; Dagster's beta notes and platform hints are noise here.
    warnings.filterwarnings("ignore", category=BetaWarning)
    warnings.filterwarnings("ignore", module="platformdirs")
    env = prepare()
    os.environ.update(env)
    url = env["DATABASE_URL"]
    print(f"Database: {redact(url)} (schema vk at revision {current_revision(url)})", flush=True)

    with ExitStack() as stack:
        if vk_token_given():
            print("VK: the real API (VK_TOKEN is set)")
            upload_lines = configured_demo_groups()
        else:
            vk_env, upload_lines = _standin(stack)
            os.environ.update(vk_env)
            print(f"VK: the local stand-in at {vk_env['VK_API_BASE_URL']} (set VK_TOKEN for the real API)")
        uploads = Path(env["VK_UPLOADS_DIR"]) / "demo"
        uploads.mkdir(parents=True, exist_ok=True)
        upload = uploads / "demo-groups.csv"
        upload.write_text("\n".join(upload_lines) + "\n", encoding="utf-8")

        # Imported only now: the definitions read VK_API_BASE_URL when they load.
        from pipelines.definitions import defs

        today = datetime.now(ZoneInfo(PARTITIONS_TIMEZONE)).date()
        first, last = today - timedelta(days=DEMO_DAYS), today - timedelta(days=1)
        print(f"Running job `collect` for {first} .. {last} ({PARTITIONS_TIMEZONE} days)...", flush=True)
        with DagsterInstance.get() as instance:
            # A line per step on the terminal; Dagster's own stream goes to the events file.
            quiet = {"loggers": {"progress": {}}}
            result = defs.resolve_job_def("collect").with_logger_defs(LOGGERS).execute_in_process(
                instance=instance,
                run_config={**quiet, "ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}},
                tags=range_tags(first, last),
                raise_on_error=False,
            )
            # No daemon runs here to mirror the run into vk.tasks: reconcile once by hand; and
            # the reconciliation, which cannot mirror its own end, once it has ended.
            reconcile = defs.resolve_job_def("reconcile_tasks").with_logger_defs(LOGGERS)
            reconciled = reconcile.execute_in_process(instance=instance, run_config=quiet)
            mirror_run(PostgresResource(database_url=url), instance, instance.get_run_by_id(reconciled.run_id))
            events = write_event_log(instance, [result.run_id, reconciled.run_id], EVENTS_FILE)
    print(f"Run {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    print(f"Dagster's full event log ({events} events): {EVENTS_FILE}")
    for table, count in _table_counts(url).items():
        print(f"  vk.{table:<20} {count:>10,} rows")
    print("Data: schema `vk` of the database above (psql: .data/postgres is the socket folder).")
    print("UI:   make ui, then http://127.0.0.1:3000 (the run above is in its Runs tab)")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
