"""What a person watching a run in a terminal wants to see: one line per step and per stored
asset, the loads' own summaries, warnings and errors; not Dagster's full event stream (which
the instance keeps, and the demo writes to a file)."""

from __future__ import annotations

import logging
import sys
import time

from dagster import DagsterEventType, logger
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata

# Figures of a load's materialization worth a line: rows stored and communities by outcome.
SHOWN_METADATA = ("rows_inserted", "rows_updated", "groups_by_outcome")


class ProgressHandler(logging.Handler):
    """Lines for the steps that store assets (a range of days stores one materialization per
    day: said once, with the count), what the assets say, and only the checks that fail."""

    def __init__(self, stream, asset_steps: set[str]) -> None:
        super().__init__(level=logging.DEBUG)  # Dagster's step events are DEBUG; line() picks
        self.stream = stream
        self.started = time.monotonic()
        self.asset_steps = asset_steps
        self.stored: dict[str, tuple[str, int, str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        line = self.line(record)
        if line:
            elapsed = time.monotonic() - self.started
            print(f"  [{elapsed:6.1f} s] {line}", file=self.stream, flush=True)

    def line(self, record: logging.LogRecord) -> str | None:
        meta = get_log_record_metadata(record) if has_log_record_metadata(record) else {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or (event.step_key if event is not None else None) or ""
        if event is None:
            # What the assets themselves say (a load's summary), and every warning or error.
            if record.levelno < logging.INFO or not step:
                return None
            return f"{step}: {meta.get('orig_message', record.getMessage())}"
        kind = event.event_type
        if kind == DagsterEventType.STEP_START and step in self.asset_steps:
            return f"{step}: started"
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            figures = ", ".join(f"{name.replace('_', ' ')} {value.value}"
                                for name, value in materialization.metadata.items()
                                if name in SHOWN_METADATA)
            _, days, _ = self.stored.get(step, ("", 0, ""))
            self.stored[step] = (materialization.asset_key.to_user_string(), days + 1, figures)
        elif kind == DagsterEventType.STEP_SUCCESS and step in self.asset_steps:
            asset, days, figures = self.stored.get(step, (step, 0, ""))
            partitions = f" for {days} day{'s' if days > 1 else ''}" if days > 1 else ""
            return f"{asset} stored{partitions}" + (f": {figures}" if figures else "")
        elif kind in (DagsterEventType.STEP_FAILURE, DagsterEventType.STEP_UP_FOR_RETRY):
            return f"{step}: {'FAILED' if kind == DagsterEventType.STEP_FAILURE else 'will retry'}"
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                return f"check {evaluation.check_name} of {evaluation.asset_key.to_user_string()} FAILED"
        return None


@logger(description="One line per step and stored asset, for a person at a terminal.")
def progress_logger(init_context):
    log = logging.getLogger("vk_progress")
    log.setLevel(logging.DEBUG)
    # An asset's step is named after it; checks run as steps of their own, said only when failing.
    keys = init_context.job_def.asset_layer.executable_asset_keys if init_context.job_def else ()
    log.handlers = [ProgressHandler(sys.stdout, {key.to_python_identifier() for key in keys})]
    log.propagate = False
    return log
