"""Waiting in tests for what another process does in its own time (a daemon, a webserver)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, interval: float,
               message: str | Callable[[], str]) -> T:
    """Asks `predicate` every `interval` seconds until it answers something true, and returns
    that answer; fails with `message` once `timeout` seconds have passed.

    A callable `message` is asked only then, so it can tell the state at the end (a log tail).
    """
    deadline = time.monotonic() + timeout
    while not (answer := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(interval)
    return answer
