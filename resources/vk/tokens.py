"""The token pool: which token may send the next request, and which rest or are dropped.

What a token may do is kept in a `Limits` store (resources/vk/limits.py): in PostgreSQL for
loads, so processes sharing a token share its pace, its daily use and its holds. The pool keeps
what it learnt of each token (rests, a drop, that it is a service token) to choose quickly, and
asks the store for every request, so another process's 29 or 5 is never ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

from resources.vk.errors import VkConfigError, VkError, VkQuotaExhausted, VkTokensRejected
from resources.vk.limits import (
    WHOLE_TOKEN,
    Hold,
    Limits,
    LocalLimits,
    RateLimiter,
    TokenKey,
    fingerprint,
    shared_limiter,
)

# VK resets daily quotas once a day; Moscow midnight is our assumption (unconfirmed).
VK_DAY_TZ = timezone(timedelta(hours=3))
# VK's documented daily quotas per token (reference: wall.get 5,000 a day): a token that used one
# up rests for the method before VK has to refuse it, and every process sharing it knows.
DAILY_QUOTAS = {"wall.get": 5000, "wall.search": 1000, "newsfeed.search": 1000}
# A request this late for its slot gives the slot up: within the slots' safety margin, lateness
# is absorbed (limits.RATE_SAFETY_SECONDS), beyond it the next requests would be squeezed.
MISSED_SLOT_SECONDS = 0.015


@dataclass(eq=False)
class Token:
    """One token of a pool, named in logs and errors only by its label."""

    index: int
    secret: str = field(repr=False)
    limiter: RateLimiter = field(repr=False)
    key: TokenKey = field(repr=False)
    resting_until: dict[str, float] = field(default_factory=dict)  # method -> unix time
    dropped_because: str | None = None
    # VK runs `execute` only for user and community tokens; a service token sends each call alone.
    runs_execute: bool = True
    # When this process expects the token's next slot (monotonic): choosing the soonest spreads
    # concurrent lanes over the tokens before the store hands out the slots.
    ready_at: float = 0.0

    @property
    def label(self) -> str:
        return f"token #{self.index} (sha256 {fingerprint(self.secret)})"

    def __repr__(self) -> str:
        return f"<{self.label}>"


@dataclass(frozen=True)
class Lease:
    """A token's reserved request slot; `single`: send one method instead of an `execute`."""

    token: Token
    single: bool = False


class TokenPool:
    """The tokens of one client: each with its own rate budget and quota state.

    A token that hits error 29 rests for that method until the quota resets while the others
    carry on; a token VK rejects (5, 28, 1117) is dropped. Tokens are only ever named by index
    and fingerprint.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        base_url: str,
        requests_per_second: float,
        quota_rest_seconds: float | None,
        rejected_token_hold_seconds: float,
        logger: logging.Logger,
        limits: Limits | None = None,
    ) -> None:
        if not secrets:
            raise VkConfigError(None, "no VK token configured (set VK_TOKEN)", "client")
        self._tokens = [
            Token(i, s, shared_limiter(base_url, s, requests_per_second), TokenKey.of(base_url, s))
            for i, s in enumerate(secrets, start=1)
        ]
        self._quota_rest_seconds = quota_rest_seconds
        self._rejected_hold_seconds = rejected_token_hold_seconds
        self._limits = limits if limits is not None else LocalLimits()
        self._lock = threading.Lock()
        self._log = logger

    @property
    def secrets(self) -> list[str]:
        return [t.secret for t in self._tokens]

    @property
    def live(self) -> int:
        with self._lock:
            return sum(1 for t in self._tokens if t.dropped_because is None)

    def acquire(self, methods: Iterable[str], single: str | None = None) -> Lease:
        """A token that may make the calls `methods` now, after waiting for its rate slot.

        `single`: the request is an `execute` that a service token replaces by this one method.
        """
        calls = Counter(methods)
        while True:
            with self._lock:
                token = self._choose(calls, single)
                token.ready_at = max(time.monotonic(), token.ready_at) + token.limiter.interval
            lease = Lease(token, single=single is not None and not token.runs_execute)
            sent = Counter({single: 1}) if lease.single else calls
            now = time.time()
            taken = self._limits.take(token.key, token.limiter, sent, vk_day(now))
            if taken.holds:
                self._learn(token, taken.holds)
                continue
            over = {m: n for m, n in taken.used.items() if n >= DAILY_QUOTAS.get(m, n + 1)}
            for method, used in over.items():
                self.rest(token, method, f"its {used}th {method} call today reached VK's daily quota")
            if any(used > DAILY_QUOTAS[m] for m, used in over.items()):
                continue  # VK would refuse this one with 29
            # Never before the slot: counted from the answer, so that an answer held up (a
            # commit waiting on the disk) cannot make the slot look nearer than it is.
            slot = taken.latest
            token.ready_at = slot + token.limiter.interval
            if slot > time.monotonic():
                time.sleep(slot - time.monotonic())
            if time.monotonic() - taken.earliest > MISSED_SLOT_SECONDS:
                # Perhaps late for the slot (woken late on a busy machine, or an answer that
                # took long to come): sent now, this request could crowd the token's next ones
                # into one second on VK's clock. A later slot is taken instead.
                continue
            return lease

    def _choose(self, calls: Counter, single: str | None) -> Token:
        now = time.time()
        live = [t for t in self._tokens if t.dropped_because is None]
        if not live:
            reasons = "; ".join(f"{t.label}: {t.dropped_because}" for t in self._tokens)
            raise VkTokensRejected(
                None, f"no usable VK token left: VK rejected every configured token ({reasons})",
                "client")

        def needs(t: Token) -> Iterable[str]:
            return [single] if single is not None and not t.runs_execute else calls

        if "execute" in calls and single is None:
            live = [t for t in live if t.runs_execute]
            if not live:
                raise VkConfigError(28, "execute needs a user or community token; every live "
                                    "token is a service token", "execute")
        usable = [t for t in live if all(t.resting_until.get(m, 0.0) <= now for m in needs(t))]
        if not usable:
            retry_at = min(max(t.resting_until.get(m, 0.0) for m in needs(t)) for t in live)
            raise VkQuotaExhausted(
                29,
                f"daily quota used up on all {len(live)} token(s); resets at "
                f"{datetime.fromtimestamp(retry_at, timezone.utc):%Y-%m-%d %H:%M} UTC",
                ",".join(sorted(calls)),
                retry_at=retry_at,
            )
        return min(usable, key=lambda t: t.ready_at)

    def _learn(self, token: Token, holds: Iterable[Hold]) -> None:
        """What another process (or an earlier client) found out about the token."""
        for hold in holds:
            if hold.method == WHOLE_TOKEN:
                self._mark_dropped(token, hold.reason, "another process")
            else:
                with self._lock:
                    token.resting_until[hold.method] = hold.until
                self._log.warning("VK: %s rests for %s until %s UTC (%s)", token.label,
                                  hold.method, _utc(hold.until), hold.reason)

    def rest(self, token: Token, method: str, why: str = "error 29") -> None:
        now = time.time()
        if self._quota_rest_seconds is not None:
            until = now + self._quota_rest_seconds
        else:
            until = next_quota_reset(now)
        self._limits.hold(token.key, Hold(method, until, why))
        with self._lock:
            token.resting_until[method] = until
            others = sum(
                1 for t in self._tokens
                if t is not token and t.dropped_because is None
                and t.resting_until.get(method, 0.0) <= now
            )
        self._log.warning(
            "VK: %s used up its daily %s quota (%s); it rests until %s UTC, %d other "
            "token(s) carry on", token.label, method, why, _utc(until), others,
        )

    def drop(self, token: Token, error: VkError) -> None:
        reason = f"error {error.code}: {error.message}"
        self._limits.hold(token.key, Hold(WHOLE_TOKEN, time.time() + self._rejected_hold_seconds,
                                          reason))
        self._mark_dropped(token, reason, "VK")

    def _mark_dropped(self, token: Token, reason: str, by: str) -> None:
        with self._lock:
            if token.dropped_because is not None:
                return
            token.dropped_because = reason
            left = sum(1 for t in self._tokens if t.dropped_because is None)
        self._log.error("%s rejected %s (%s); dropping it, %d token(s) left",
                        by, token.label, reason, left)

    def pause(self, token: Token, seconds: float) -> None:
        """After error 6: the token's every user waits `seconds`, this process then slows down."""
        self._limits.pause(token.key, token.limiter, seconds)

    def mark_service_token(self, token: Token) -> None:
        with self._lock:
            if not token.runs_execute:
                return
            token.runs_execute = False
        self._log.warning("VK: %s is a service token (VK runs no execute for it); it sends one "
                          "method per request", token.label)


def next_quota_reset(now: float) -> float:
    day = datetime.fromtimestamp(now, VK_DAY_TZ)
    midnight = (day + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()


def vk_day(now: float) -> str:
    """The VK day (of the daily quotas) that unix time `now` falls in, as an ISO date."""
    return datetime.fromtimestamp(now, VK_DAY_TZ).date().isoformat()


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M")
