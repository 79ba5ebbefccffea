"""VK's per-token limits as the stand-in enforces them: requests per second and daily quotas."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque

# VK's documented daily quotas per token (reference: wall.get 5,000/day).
VK_DAILY_QUOTAS = {"wall.get": 5000, "wall.search": 1000, "newsfeed.search": 1000}
WINDOW_SECONDS = 1.0


class TokenLedger:
    """Request times and quota use per token; thread-safe."""

    def __init__(self, rps_per_token: float | None, daily_quota: dict[str, int]) -> None:
        self.rps_per_token = rps_per_token
        self.daily_quota = dict(daily_quota)
        self.token_quota: dict[tuple[str, str], int] = {}  # overrides daily_quota per token
        self._lock = threading.Lock()
        self._times: dict[str, list[float]] = defaultdict(list)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._used: Counter[tuple[str, str]] = Counter()
        self._exhausted: set[tuple[str, str]] = set()

    def admit(self, token: str) -> bool:
        """Record a request; False when it is one too many in the last second (error 6).

        Every request counts, refused ones too: hammering a limit keeps it closed, as on VK.
        """
        now = time.monotonic()
        with self._lock:
            self._times[token].append(now)
            recent = self._recent[token]
            recent.append(now)
            while recent and recent[0] <= now - WINDOW_SECONDS:
                recent.popleft()
            return self.rps_per_token is None or len(recent) <= self.rps_per_token

    def spend(self, token: str, method: str) -> bool:
        """Count one call of `method`; False once the token's daily quota is used up (29)."""
        key = (token, method)
        with self._lock:
            if key in self._exhausted:
                return False
            quota = self.token_quota.get(key, self.daily_quota.get(method))
            if quota is not None and self._used[key] >= quota:
                return False
            self._used[key] += 1
            return True

    def exhaust(self, token: str, method: str) -> None:
        with self._lock:
            self._exhausted.add((token, method))

    def reset_quotas(self) -> None:
        with self._lock:
            self._used.clear()
            self._exhausted.clear()

    def used(self, token: str, method: str) -> int:
        with self._lock:
            return self._used[(token, method)]

    def times(self, token: str) -> list[float]:
        with self._lock:
            return list(self._times[token])

    def max_in_window(self, token: str, window: float = WINDOW_SECONDS) -> int:
        """The most requests this token made within any `window` seconds."""
        times = self.times(token)
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def clear_times(self) -> None:
        with self._lock:
            self._times.clear()
