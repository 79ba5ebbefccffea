"""The Celery executor for a cluster (VK_EXECUTOR=celery): dagster-celery's, made crash-safe.

dagster-celery's run worker sends each step to a Celery worker and polls its result every
second. When the worker dies outright (machine lost, SIGKILL of its process group) the result
never comes: the run worker would poll for ever, holding the run's `vk_api` slot. Two changes
make that end:

- The run worker holds a run lease itself (resources/run_leases.py), as every process that
  works for a run does. A step's worker that dies stops renewing its lease; the run worker's
  own renewals reap it after `run_lease_expiry_seconds`: the run is failed, its slots freed.
  Because the run worker holds a lease from its start, a run waiting for a slot reaps the dead
  run that holds it, with no daemon (the in-process executor got that from its resources).
- Each step's Celery result is watched: once the run has ended from outside (reaped, or
  terminated in the UI), a step still "in flight" is given up, so the polling loop ends, the
  run worker exits and frees what the run still holds.

Do not pair this executor with dagster-celery's `CeleryRunLauncher`: a run task would then
block on its own step tasks (see stack notes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from dagster import DagsterInstance, executor, multiple_process_executor_requirements
from dagster._core.execution.retries import RetryMode
from dagster_celery.core_execution_loop import core_celery_execution_loop
from dagster_celery.executor import CELERY_CONFIG, CeleryExecutor, _submit_task

from resources.run_leases import LeaseTimes, run_lease
from resources.settings import SETTINGS, configured_database_url

log = logging.getLogger(__name__)

# How often an in-flight step asks whether its run has been ended from outside: a query per
# step every few seconds, against a reaping that takes a lease expiry anyway.
RUN_STATUS_CHECK_SECONDS = 3.0


def celery_config() -> dict[str, Any]:
    """The executor's config and the workers' (pipelines/workers.py): they must be the same."""
    return {
        "broker": SETTINGS.celery_broker_url,
        "backend": SETTINGS.celery_backend_url,
        # A worker takes one step at a time: a step it reserved but has not started would
        # otherwise wait behind a long one while the other worker idles.
        "config_source": {"worker_prefetch_multiplier": 1},
    }


def lease_times() -> LeaseTimes:
    return LeaseTimes(SETTINGS.run_lease_renew_seconds, SETTINGS.run_lease_expiry_seconds)


class StepAbandoned(RuntimeError):
    """The run ended from outside while this step's Celery task had not answered."""


class _WatchedResult:
    """A Celery AsyncResult that also counts as ready once its run has ended from outside."""

    def __init__(self, result, instance: DagsterInstance, run_id: str, step_key: str) -> None:
        self._result, self._instance = result, instance
        self._run_id, self._step_key = run_id, step_key
        self._checked_at = time.monotonic()
        self._ended_as: str | None = None

    def _run_ended_outside(self) -> bool:
        if self._ended_as is None and time.monotonic() - self._checked_at >= RUN_STATUS_CHECK_SECONDS:
            self._checked_at = time.monotonic()
            run = self._instance.get_run_by_id(self._run_id)
            if run is not None and run.is_finished:
                self._ended_as = run.status.value
        return self._ended_as is not None

    def ready(self) -> bool:
        return self._result.ready() or self._run_ended_outside()

    def get(self, *args, **kwargs):
        if self._result.ready():
            return self._result.get(*args, **kwargs)
        raise StepAbandoned(
            f"step {self._step_key} given up: its run was marked {self._ended_as} from outside "
            "while the step's Celery worker had not answered (a dead worker's run is failed when "
            "its lease expires, resources/run_leases.py)")

    def revoke(self, *args, **kwargs):
        return self._result.revoke(*args, **kwargs)


def _submit_watched(app, plan_context, step, queue, priority, known_state):
    result = _submit_task(app, plan_context, step, queue, priority, known_state)
    return _WatchedResult(result, plan_context.instance, plan_context.dagster_run.run_id, step.key)


class LeasedCeleryExecutor(CeleryExecutor):
    def execute(self, plan_context, execution_plan) -> Iterator:
        database_url = configured_database_url()
        run_id = plan_context.dagster_run.run_id
        instance = plan_context.instance
        if database_url is None:
            # No application database named: the steps fail on their resource anyway.
            yield from core_celery_execution_loop(plan_context, execution_plan, _submit_watched)
            return
        with run_lease(database_url, instance, run_id, lease_times()):
            try:
                yield from core_celery_execution_loop(plan_context, execution_plan, _submit_watched)
            finally:
                # Nothing of this run runs once its run worker stops polling: a step whose
                # worker died never reported its end, so its slot is given back here.
                if instance.event_log_storage.supports_global_concurrency_limits:
                    instance.event_log_storage.free_concurrency_slots_for_run(run_id)


@executor(name="celery", config_schema=CELERY_CONFIG, requirements=multiple_process_executor_requirements())
def leased_celery_executor(init_context):
    """dagster-celery's executor with the run worker's lease and watched step results."""
    config = init_context.executor_config
    return LeasedCeleryExecutor(
        broker=config.get("broker"),
        backend=config.get("backend"),
        config_source=config.get("config_source"),
        include=config.get("include"),
        retries=RetryMode.from_config(config["retries"]),
    )
