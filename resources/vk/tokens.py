"""The token pool: which token may send the next request, and which rest or are dropped."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Collection, Sequence

from resources.vk.errors import VkConfigError, VkError, VkQuotaExhausted
from resources.vk.limits import RateLimiter, fingerprint, shared_limiter

# VK resets daily quotas once a day; Moscow midnight is our assumption (unconfirmed).
VK_DAY_TZ = timezone(timedelta(hours=3))


@dataclass(eq=False)
class Token:
    """One token of a pool, named in logs and errors only by its label."""

    index: int
    secret: str = field(repr=False)
    limiter: RateLimiter = field(repr=False)
    resting_until: dict[str, float] = field(default_factory=dict)  # method -> unix time
    dropped_because: str | None = None

    @property
    def label(self) -> str:
        return f"token #{self.index} (sha256 {fingerprint(self.secret)})"

    def __repr__(self) -> str:
        return f"<{self.label}>"


class TokenPool:
    """The tokens of one client: each with its own rate budget and quota state.

    A token that hits error 29 rests for that method until the quota resets while the others
    carry on; a token VK rejects (5, 28, 1117) is dropped for good. Tokens are only ever
    named by index and fingerprint.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        base_url: str,
        requests_per_second: float,
        quota_rest_seconds: float | None,
        logger: logging.Logger,
    ) -> None:
        if not secrets:
            raise VkConfigError(None, "no VK token configured (set VK_TOKEN)", "client")
        self._tokens = [
            Token(i, s, shared_limiter(base_url, s, requests_per_second))
            for i, s in enumerate(secrets, start=1)
        ]
        self._quota_rest_seconds = quota_rest_seconds
        self._lock = threading.Lock()
        self._log = logger

    @property
    def secrets(self) -> list[str]:
        return [t.secret for t in self._tokens]

    def acquire(self, methods: Collection[str]) -> Token:
        """A token that may call all `methods` now, after waiting for its rate slot."""
        with self._lock:
            now = time.time()
            live = [t for t in self._tokens if t.dropped_because is None]
            if not live:
                reasons = "; ".join(f"{t.label}: {t.dropped_because}" for t in self._tokens)
                raise VkConfigError(None, f"no usable VK token left ({reasons})", "client")
            usable = [
                t for t in live if all(t.resting_until.get(m, 0.0) <= now for m in methods)
            ]
            if not usable:
                retry_at = min(max(t.resting_until.get(m, 0.0) for m in methods) for t in live)
                raise VkQuotaExhausted(
                    29,
                    f"daily quota used up on all {len(live)} token(s); resets at "
                    f"{datetime.fromtimestamp(retry_at, timezone.utc):%Y-%m-%d %H:%M} UTC",
                    ",".join(sorted(methods)),
                    retry_at=retry_at,
                )
            token = min(usable, key=lambda t: t.limiter.next_free())
            wait = token.limiter.reserve()
        if wait > 0:
            time.sleep(wait)
        return token

    def rest(self, token: Token, method: str) -> None:
        now = time.time()
        if self._quota_rest_seconds is not None:
            until = now + self._quota_rest_seconds
        else:
            until = next_quota_reset(now)
        with self._lock:
            token.resting_until[method] = until
            others = sum(
                1 for t in self._tokens
                if t is not token and t.dropped_because is None
                and t.resting_until.get(method, 0.0) <= now
            )
        self._log.warning(
            "VK: %s used up its daily %s quota (error 29); it rests until %s UTC, %d other "
            "token(s) carry on", token.label, method,
            datetime.fromtimestamp(until, timezone.utc).strftime("%Y-%m-%d %H:%M"), others,
        )

    def drop(self, token: Token, error: VkError) -> None:
        with self._lock:
            if token.dropped_because is not None:
                return
            token.dropped_because = f"error {error.code}: {error.message}"
            left = sum(1 for t in self._tokens if t.dropped_because is None)
        self._log.error(
            "VK rejected %s (error %s: %s); dropping it, %d token(s) left",
            token.label, error.code, error.message, left,
        )


def next_quota_reset(now: float) -> float:
    day = datetime.fromtimestamp(now, VK_DAY_TZ)
    midnight = (day + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()
