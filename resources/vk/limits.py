"""Requests-per-second budgets: one limiter per token, shared by every client of the process."""

from __future__ import annotations

import hashlib
import threading
import time

# Margin on each request slot: loopback or network jitter must not push two requests into
# one window on the server's clock.
RATE_SAFETY_SECONDS = 0.01


class RateLimiter:
    """Spaces request starts at least 1/rate apart; thread-safe.

    Each caller reserves the next free slot under the lock and sleeps outside it, so threads
    share one budget without serialising their network time.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("requests per second must be positive")
        self.base_interval = 1.0 / rate + RATE_SAFETY_SECONDS
        self.interval = self.base_interval
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Claims the next slot; returns how long to wait for it."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    def next_free(self) -> float:
        with self._lock:
            return self._next

    def penalize(self, pause: float) -> None:
        """After error 6: nothing for `pause` seconds, then a slower pace for a while."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + pause)
            self.interval = min(self.base_interval * 4, self.interval * 1.5)

    def relax(self) -> None:
        with self._lock:
            self.interval = max(self.base_interval, self.interval * 0.95)


_LIMITERS: dict[tuple[str, str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(base_url: str, secret: str, rate: float) -> RateLimiter:
    """One limiter per (endpoint, token, rate) in the process, so that several clients built
    from the same resource (one per asset) still share the token's budget."""
    key = (base_url, fingerprint(secret), rate)
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(rate)
        return _LIMITERS[key]


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:8]
