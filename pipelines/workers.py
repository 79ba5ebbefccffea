"""Local Celery workers for VK_EXECUTOR=celery: `python -m pipelines.workers 2` (`make workers N=2`).

A worker rebuilds each step's job from this code, so it runs with this repository, this venv,
and the Dagster home and databases `pipelines.local_env` prepares, like the UI it serves.
Each worker takes one step at a time (two cores are shared with the database and the UI).
Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import yaml

from pipelines.cluster import celery_config
from resources.settings import PROJECT_ROOT

WORKER_CONFIG_NAME = "celery_worker.yaml"


def write_worker_config(dagster_home: Path) -> Path:
    """The workers' side of the executor config (broker, backend, Celery settings), written
    from the same settings the executor reads, so the two cannot disagree."""
    path = Path(dagster_home) / WORKER_CONFIG_NAME
    path.write_text(yaml.safe_dump({"execution": {"config": celery_config()}}, sort_keys=False))
    return path


def start_worker(name: str, env: Mapping[str, str], log_path: Path | None = None) -> subprocess.Popen:
    """One `dagster-celery worker` (its Celery main process and one pool child) in a process
    group of its own, so that stopping or killing the group leaves nothing behind."""
    config = write_worker_config(Path(env["DAGSTER_HOME"]))
    # This checkout first (an installed copy of the project elsewhere must not answer the
    # imports), and this venv's `celery`, which dagster-celery starts by name.
    env = {**env,
           "PYTHONPATH": _prepend(str(PROJECT_ROOT), env.get("PYTHONPATH")),
           "PATH": _prepend(str(Path(sys.executable).parent), env.get("PATH"))}
    out = log_path.open("ab") if log_path is not None else None
    try:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster-celery")), "worker", "start",
             "-A", "dagster_celery.app", "-y", str(config), "-n", name, "--loglevel", "INFO",
             "--", "--concurrency", "1"],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True,
        )
    finally:
        if out is not None:
            out.close()


def _prepend(first: str, rest: str | None) -> str:
    return os.pathsep.join(part for part in (first, rest) if part)


def stop_worker(process: subprocess.Popen, timeout: float = 20) -> None:
    """A warm shutdown (SIGTERM lets the running step finish), then SIGKILL of the group."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the pool child too, if the main one went first
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def main(argv: list[str]) -> int:
    from pipelines.local_env import prepare
    from pipelines.pools import size_vk_pool_at_start

    count = int(argv[0]) if argv else 2
    env = {**os.environ, **prepare(migrate=False)}
    size_vk_pool_at_start(env)
    # The workers live in process groups of their own: stopping this command, by Ctrl-C or by a
    # supervisor's SIGTERM, must stop them too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    workers = [start_worker(f"w{n}", env) for n in range(1, count + 1)]
    print(f"{count} Celery worker(s) on {celery_config()['broker'].split('@')[-1]} (Ctrl-C stops them)",
          flush=True)
    try:
        for worker in workers:
            worker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for worker in workers:
            stop_worker(worker)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
