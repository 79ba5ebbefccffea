"""Per-token limits: requests per second, daily use of each method, and holds (a token resting
after error 29 or rejected by VK) – behind one interface with two homes.

`LocalLimits` keeps them in this process: the fallback of a client used without a database (a
script, the client's own tests). Loads always have their database and use
`resources.vk.shared_limits.PostgresLimits`, so that every process and machine of a deployment
sharing a token shares its limits too. Both name a token by `TokenKey`: endpoint and the sha256
fingerprint of the secret, never the secret itself.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Protocol

# Margin on each request slot: network jitter, or a thread woken late on a busy machine, must
# not push one request too many into a second of the server's clock. At 3/s the first of four
# requests may be late by the three margins before the fourth falls into its second. Measured
# with 4 tokens x 3 lanes: another lane's parsing holds the GIL between a request's last look at
# the clock and its bytes leaving, by up to 50 ms; 20 ms margins let one request in 170 through
# too many, 30 ms none, and one token still reaches 0.9 of its rate (README, benchmark 6).
RATE_SAFETY_SECONDS = 0.03
WHOLE_TOKEN = "*"  # the method of a hold that covers every method (a rejected token)


class RateLimiter:
    """Spaces request starts at least `interval` apart; thread-safe.

    Each caller reserves the next free slot under the lock and sleeps outside it, so threads
    share one budget without serialising their network time. `interval` widens after error 6
    and narrows back as requests succeed, wherever the slots themselves are kept.
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


def fingerprint(secret: str, length: int = 8) -> str:
    """The sha256 of a token: its first 8 hex digits name it in logs, all 64 in a store."""
    return hashlib.sha256(secret.encode()).hexdigest()[:length]


@dataclass(frozen=True)
class TokenKey:
    endpoint: str
    token_fp: str  # the full sha256 fingerprint

    @classmethod
    def of(cls, endpoint: str, secret: str) -> "TokenKey":
        return cls(endpoint, fingerprint(secret, 64))


@dataclass(frozen=True)
class Hold:
    """A token not to be used for `method` (WHOLE_TOKEN: any) until `until` (unix time)."""

    method: str
    until: float
    reason: str


@dataclass
class Taken:
    """A reserved request slot, `wait` seconds after the store's answer, and the token's calls
    of each method today, this request's included. Or, when a hold covers the request, only the
    holds. The slot lies between `since + wait` and `answered + wait` (this process's monotonic
    clock just before the slot was asked for and just after the answer): a slow answer leaves
    it uncertain by its round trip."""

    wait: float = 0.0
    since: float = field(default_factory=time.monotonic)
    answered: float | None = None
    used: dict[str, int] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)

    @property
    def earliest(self) -> float:
        return self.since + self.wait

    @property
    def latest(self) -> float:
        return (self.since if self.answered is None else self.answered) + self.wait


class Limits(Protocol):
    def take(self, key: TokenKey, limiter: RateLimiter, calls: Mapping[str, int],
             vk_day: str) -> Taken: ...

    def pause(self, key: TokenKey, limiter: RateLimiter, seconds: float) -> None: ...

    def hold(self, key: TokenKey, hold: Hold) -> None: ...


class LocalLimits:
    """Limits kept in this process. Request slots are the process-wide `shared_limiter`s;
    holds and use belong to this object (one client's), as before limits were shared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: dict[tuple[TokenKey, str], Hold] = {}
        self._used: Counter[tuple[TokenKey, str, str]] = Counter()

    def take(self, key: TokenKey, limiter: RateLimiter, calls: Mapping[str, int],
             vk_day: str) -> Taken:
        now = time.time()
        with self._lock:
            holds = [h for m in (*calls, WHOLE_TOKEN)
                     if (h := self._holds.get((key, m))) is not None and h.until > now]
            if holds:
                return Taken(holds=holds)
            for method, count in calls.items():
                self._used[(key, method, vk_day)] += count
            used = {m: self._used[(key, m, vk_day)] for m in calls}
        return Taken(wait=limiter.reserve(), used=used)

    def pause(self, key: TokenKey, limiter: RateLimiter, seconds: float) -> None:
        limiter.penalize(seconds)

    def hold(self, key: TokenKey, hold: Hold) -> None:
        with self._lock:
            self._holds[(key, hold.method)] = hold
