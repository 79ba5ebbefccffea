"""The cluster settings without a broker: the executor a setting picks, the pool sized to the
tokens, and an in-flight step given up once its run has ended from outside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterRunStatus

from pipelines import cluster
from pipelines.pools import VK_POOL, size_vk_pool
from resources import settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_the_executor_setting_is_one_of_two_and_a_typo_is_refused():
    assert settings.load({}).executor == "in_process"
    assert settings.load({"VK_EXECUTOR": "Celery"}).executor == "celery"
    with pytest.raises(ValueError, match="VK_EXECUTOR='cellery'"):
        settings.load({"VK_EXECUTOR": "cellery"})


def test_vk_executor_celery_gives_every_job_the_celery_executor_on_the_configured_broker():
    probe = ("from pipelines.definitions import defs; "
             "from pipelines.cluster import celery_config; "
             "print(defs.resolve_job_def('posts_and_comments').executor_def.name, celery_config()['broker'])")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "VK_EXECUTOR": "celery",
           "VK_CELERY_BROKER_URL": "pyamqp://guest:guest@10.0.0.9:5672//"}
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["celery", "pyamqp://guest:guest@10.0.0.9:5672//"]


def test_the_default_stays_the_in_process_executor():
    from pipelines.definitions import defs

    if settings.SETTINGS.executor != "in_process":
        pytest.skip("this test session runs with VK_EXECUTOR set")
    assert defs.resolve_job_def("posts_and_comments").executor_def.name == "in_process"


def test_the_vk_api_pool_gets_one_slot_per_token(dagster_instance, monkeypatch):
    monkeypatch.setenv("VK_TOKEN", "first, second ,third,")
    assert size_vk_pool(dagster_instance) == 3
    assert dagster_instance.event_log_storage.get_concurrency_info(VK_POOL).slot_count == 3
    monkeypatch.delenv("VK_TOKEN")
    # No token means the stand-in's one.
    assert size_vk_pool(dagster_instance) == 1
    assert dagster_instance.event_log_storage.get_concurrency_info(VK_POOL).slot_count == 1


class _NeverReady:
    revoked = False

    def ready(self):
        return False

    def get(self, *args, **kwargs):
        raise AssertionError("a result that never came was read")

    def revoke(self, *args, **kwargs):
        self.revoked = True


def test_a_step_whose_run_ended_from_outside_is_given_up_so_the_run_worker_stops(
        dagster_instance, monkeypatch):
    from dagster._core.test_utils import create_run_for_test

    monkeypatch.setattr(cluster, "RUN_STATUS_CHECK_SECONDS", 0.0)
    run = create_run_for_test(dagster_instance, job_name="posts_and_comments",
                              status=DagsterRunStatus.STARTED)
    watched = cluster._WatchedResult(_NeverReady(), dagster_instance, run.run_id, "comments")
    assert not watched.ready(), "a live run's step must be waited for"

    dagster_instance.report_run_failed(run, "its step's worker died")
    assert watched.ready()
    with pytest.raises(cluster.StepAbandoned, match="step comments given up: its run was marked FAILURE"):
        watched.get()
