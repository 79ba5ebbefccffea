"""A client of the Dagster webserver's GraphQL API, for the tests: launching runs and backfills
the way the UI does, and waiting for them to finish (with their errors when they do not).

Named graphql_client, not graphql: pytest puts this folder on sys.path, where a graphql.py
would stand in for the graphql-core package.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from assets.partitions import RANGE_START_TAG
from tests.waiting import wait_until

RUN_TIMEOUT = 240
REPOSITORY_NAME = "__repository__"
FINISHED_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}


class GraphQLError(AssertionError):
    pass


@dataclass(kw_only=True)
class DagsterGraphQL:
    """The webserver at `url`, its code location once known (`location`)."""

    url: str
    location: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def log_tail(self, lines: int = 60) -> str:
        """The webserver's log, for failure messages; this client does not have it."""
        return "(no dagster dev log)"

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        response = self.session.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                     timeout=timeout)
        if response.status_code != 200:
            raise GraphQLError(f"GraphQL HTTP {response.status_code}: {response.text[:2000]}")
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    # ------------------------------------------------------------------ launch
    def _selector(self, job: str, assets: list[str] | None) -> dict:
        selector = {"repositoryLocationName": self.location, "repositoryName": REPOSITORY_NAME,
                    "jobName": job}
        if assets is not None:
            selector["assetSelection"] = [{"path": [name]} for name in assets]
        return selector

    def launch_run(self, *, job: str = "__ASSET_JOB", assets: list[str] | None = None,
                   tags: dict[str, str] | None = None, run_config: dict | None = None) -> str:
        data = self.graphql(LAUNCH_RUN, {"executionParams": {
            "selector": self._selector(job, assets),
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]},
        }})
        result = data["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(f"launchRun refused: {result}")
        return result["run"]["runId"]

    def launch_backfill(self, *, assets: list[str], partition_names: list[str],
                        title: str | None = None) -> str:
        data = self.graphql(LAUNCH_BACKFILL, {"backfillParams": {
            "assetSelection": [{"path": [name]} for name in assets],
            "partitionNames": partition_names,
            "fromFailure": False,
            "title": title,
        }})
        result = data["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise GraphQLError(f"launchPartitionBackfill refused: {result}")
        return result["backfillId"]

    # -------------------------------------------------------------------- wait
    def run(self, run_id: str) -> dict:
        result = self.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            raise GraphQLError(f"run {run_id}: {result}")
        return result

    def wait_for_run(self, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        """The finished run; fails with the run's errors (event log) unless it succeeded."""
        run: dict = {}

        def finished() -> bool:
            nonlocal run
            run = self.run(run_id)
            return run["status"] in FINISHED_RUN_STATUSES

        wait_until(finished, timeout, 1, lambda: (
            f"run {run_id} still {run['status']} after {timeout:.0f} s\n"
            f"{self.run_errors(run_id)}\n--- dagster dev log ---\n{self.log_tail()}"))
        if run["status"] != "SUCCESS":
            raise AssertionError(f"run {run_id} ended {run['status']}:\n{self.run_errors(run_id)}")
        return run

    def run_errors(self, run_id: str) -> str:
        """What went wrong in a run, from its event log: errors and error-level messages."""
        try:
            logs = self.graphql(RUN_LOGS, {"runId": run_id})["logsForRun"]
        except GraphQLError as error:
            return f"(event log unavailable: {error})"
        if logs["__typename"] != "EventConnection":
            return f"(event log unavailable: {logs})"
        lines = []
        for event in logs["events"]:
            error = event.get("error")
            if error:
                lines.append(f"[{event['__typename']} {event.get('stepKey') or ''}] {error['message']}\n"
                             f"{error.get('stack') and ''.join(error['stack'][-6:]) or ''}")
            elif event.get("level") in ("ERROR", "CRITICAL"):
                lines.append(f"[{event['__typename']} {event.get('stepKey') or ''}] {event['message']}")
        return "\n".join(lines) or "(no error events)"

    def backfill(self, backfill_id: str) -> dict:
        result = self.graphql(BACKFILL_STATUS, {"backfillId": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            raise GraphQLError(f"backfill {backfill_id}: {result}")
        return result

    def backfill_runs(self, backfill_id: str) -> list[dict]:
        return self.runs_tagged("dagster/backfill", backfill_id)

    def runs_tagged(self, key: str, value: str) -> list[dict]:
        result = self.graphql(RUNS_BY_TAG, {"filter": {"tags": [{"key": key, "value": value}]}})
        runs = result["runsOrError"]
        if runs["__typename"] != "Runs":
            raise GraphQLError(f"runs tagged {key}={value}: {runs}")
        for run in runs["results"]:
            run["tags_dict"] = {tag["key"]: tag["value"] for tag in run["tags"]}
        return runs["results"]

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> tuple[dict, list[dict]]:
        """The finished backfill and its runs; fails with every failed run's errors."""
        backfill: dict = {}
        runs: list[dict] = []

        def settled() -> bool:
            nonlocal backfill, runs
            backfill, runs = self.backfill(backfill_id), self.backfill_runs(backfill_id)
            if any(run["status"] in ("FAILURE", "CANCELED") for run in runs):
                # A failed run is final (step retries happen inside it): no need to wait for the rest.
                return True
            # The daemon marks a backfill done once its runs are; wait for stragglers anyway.
            return (backfill["status"] not in ("REQUESTED", "CANCELING", "FAILING")
                    and all(run["status"] in FINISHED_RUN_STATUSES for run in runs))

        wait_until(settled, timeout, 2, lambda: (
            f"backfill {backfill_id} still {backfill['status']} after {timeout:.0f} s; "
            f"runs by status {_by_status(runs)}; error {backfill.get('error')}\n"
            f"--- dagster dev log ---\n{self.log_tail()}"))
        failed = [run for run in runs if run["status"] != "SUCCESS"]
        if backfill["status"] not in ("COMPLETED_SUCCESS", "COMPLETED") or failed:
            details = "\n".join(
                f"run {r['runId']} {r['status']} from {r['tags_dict'].get(RANGE_START_TAG, '?')}:\n"
                f"{self.run_errors(r['runId'])}" for r in failed if r["status"] in FINISHED_RUN_STATUSES)
            raise AssertionError(f"backfill {backfill_id} is {backfill['status']} "
                                 f"(error {backfill.get('error')}); runs by status {_by_status(runs)}:\n{details}")
        return backfill, runs

    def sensors(self) -> list[dict]:
        result = self.graphql(SENSORS, {"selector": {"repositoryLocationName": self.location,
                                                     "repositoryName": REPOSITORY_NAME}})["sensorsOrError"]
        if result["__typename"] != "Sensors":
            raise GraphQLError(f"sensors: {result}")
        return result["results"]


    def pool(self, key: str) -> dict:
        """A concurrency pool: `activeSlotCount` and the `activeRunIds` holding its slots."""
        return self.graphql(POOL, {"key": key})["instance"]["concurrencyLimit"]


def _by_status(runs: list[dict]) -> dict[str, int]:
    return {s: sum(1 for r in runs if r["status"] == s) for s in {r["status"] for r in runs}}


POOL = """
query Pool($key: String!) {
  instance { concurrencyLimit(concurrencyKey: $key) { activeSlotCount activeRunIds } }
}
"""

LAUNCH_RUN = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message path reason } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

LAUNCH_BACKFILL = """
mutation Backfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId launchedRunIds }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_STATUS = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status jobName tags { key value } assetSelection { path } }
    ... on Error { message }
  }
}
"""

RUN_LOGS = """
query Logs($runId: ID!) {
  logsForRun(runId: $runId, limit: 5000) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message level stepKey }
        ... on ErrorEvent { error { message stack } }
      }
    }
    ... on Error { message }
  }
}
"""

BACKFILL_STATUS = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill {
      id status numPartitions
      error { message stack }
    }
    ... on Error { message }
  }
}
"""

RUNS_BY_TAG = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status startTime endTime tags { key value } } }
    ... on Error { message }
  }
}
"""

SENSORS = """
query Sensors($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    __typename
    ... on Sensors { results { name sensorType sensorState { status } } }
    ... on Error { message }
  }
}
"""

WORKSPACE = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name jobs { name } } }
          ... on PythonError { message stack }
        }
      }
    }
  }
}
"""
