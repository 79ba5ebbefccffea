"""Injected faults: what VK and the network do to a crawler now and then."""

from __future__ import annotations

import random
import threading
from typing import Iterable

# Request-level faults. error_* answer HTTP 200 with that VK error; http_* answer that status
# with an HTML page, as a proxy would; slow answers after slow_seconds (past a client timeout);
# cutoff sends a body shorter than promised, or a complete-looking but truncated JSON.
REQUEST_FAULTS = (
    "error_1", "error_6", "error_9", "error_10", "http_500", "http_502", "slow", "cutoff",
)
# A sub-call inside execute failing with error 10 while the others succeed.
EXECUTE_ITEM = "execute_item"
ALL_FAULTS = REQUEST_FAULTS + (EXECUTE_ITEM,)


class FaultInjector:
    def __init__(
        self, rate: float, kinds: Iterable[str], slow_seconds: float, seed: int
    ) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.configure(rate, kinds, slow_seconds)

    def configure(
        self, rate: float, kinds: Iterable[str] | None = None, slow_seconds: float | None = None
    ) -> None:
        with self._lock:
            self.rate = rate
            if kinds is not None:
                kinds = tuple(kinds)
                unknown = set(kinds) - set(ALL_FAULTS)
                if unknown:
                    raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
                self.kinds = kinds
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds

    def for_request(self) -> str | None:
        with self._lock:
            kinds = [k for k in self.kinds if k != EXECUTE_ITEM]
            if kinds and self._rng.random() < self.rate:
                return self._rng.choice(kinds)
            return None

    def for_execute_item(self) -> bool:
        with self._lock:
            return EXECUTE_ITEM in self.kinds and self._rng.random() < self.rate

    def coin(self) -> bool:
        with self._lock:
            return self._rng.random() < 0.5
