"""Independent calls sent together through VK's `execute`, 25 per request, each slot on its own.

vk_api still encodes the VKScript arguments (`sjson_dumps`, the same encoder its `VkFunction`
uses).
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from vk_api.utils import sjson_dumps

from resources.vk.errors import (
    EXECUTE_FALLBACK_CODES,
    QUOTA_CODES,
    TOKEN_REJECTED_CODES,
    VkError,
    VkRetryLater,
    VkSkipItem,
    VkSkipOwner,
    unwrap_execute,
)
from resources.vk.transport import SingleCallFailed, Transport, api_value, check_method_name

EXECUTE_LIMIT = 25  # API calls per execute request


@dataclass(frozen=True)
class _Settled:
    """A batch slot already answered by a single call with its own retries: final."""

    value: Any


@dataclass(frozen=True)
class _Requeue:
    """A batch slot whose token ran out of quota: try again on another token."""


class BatchRunner:
    """Runs calls through `execute` over a client's transport, retrying slots, not batches."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def run(
        self, calls: Sequence[tuple[str, Mapping[str, Any]]], batch_size: int = EXECUTE_LIMIT
    ) -> tuple[list[Any], int]:
        """`execute` starting at `batch_size` calls per request; also returns the batch size
        VK accepted, so a caller sending many rounds doesn't pay for a split every round.

        Returns one slot per call: its response, or the typed VkError of that call alone.
        Transient sub-call failures are retried (batched with other pending calls); batches
        VK refuses as a whole (12, 13 incl. a too-large response, 36) are split down to single
        calls. Stop errors (VkConfigError, VkQuotaExhausted) and transport failures that
        outlast the retries are raised.
        """
        transport = self._transport
        retries = transport.settings.max_retries
        calls = [(m, dict(p)) for m, p in calls]
        for method, _ in calls:
            check_method_name(method)
        results: list[Any] = [None] * len(calls)
        attempts = [0] * len(calls)
        ready = deque(range(len(calls)))
        delayed: list[tuple[float, int]] = []  # (not before, slot), a heap
        while ready or delayed:
            now = time.monotonic()
            while delayed and delayed[0][0] <= now:
                ready.append(heapq.heappop(delayed)[1])
            if not ready:
                time.sleep(delayed[0][0] - now)
                continue
            batch = [ready.popleft() for _ in range(min(batch_size, len(ready)))]
            outcomes, split = self._run_batch([calls[i] for i in batch])
            if split:
                # The batch was too big for VK; don't pay for that again in this call.
                batch_size = max(1, len(batch) // 2)
            for slot, outcome in zip(batch, outcomes):
                if isinstance(outcome, _Requeue):
                    ready.append(slot)
                elif isinstance(outcome, VkRetryLater) and attempts[slot] < retries:
                    attempts[slot] += 1
                    transport.stats.retried()
                    delay = transport.backoff(attempts[slot], outcome)
                    heapq.heappush(delayed, (time.monotonic() + delay, slot))
                else:
                    results[slot] = outcome.value if isinstance(outcome, _Settled) else outcome
        return results, batch_size

    def _run_batch(self, calls: Sequence[tuple[str, dict]]) -> tuple[list[Any], bool]:
        """One execute request for `calls`; returns per-slot outcomes and whether it split."""
        methods = [m for m, _ in calls]
        # A service token cannot run execute: it sends the first call alone, the rest wait.
        waiting = [_Requeue()] * (len(calls) - 1)
        try:
            payload, token, single = self._transport.request(
                "execute", {"code": build_script(calls)}, ["execute", *methods], single=calls[0]
            )
        except SingleCallFailed as failed:
            if isinstance(failed.error, (VkSkipItem, VkSkipOwner)):
                return [_Settled(failed.error), *waiting], False
            raise failed.error from None
        except (VkSkipItem, VkSkipOwner) as error:
            # The batch failed as a whole: too large or too slow (12, 13, 36), or one of its
            # calls broke the script. Halves isolate the cause; single calls run plainly.
            if len(calls) == 1:
                method, params = calls[0]
                try:
                    return [_Settled(self._transport.call(method, params))], True
                except (VkSkipItem, VkSkipOwner) as single_error:
                    return [_Settled(single_error)], True
            if error.code not in EXECUTE_FALLBACK_CODES:
                self._transport.log.warning("%s; splitting the batch of %d", error, len(calls))
            middle = len(calls) // 2
            first, _ = self._run_batch(calls[:middle])
            second, _ = self._run_batch(calls[middle:])
            return first + second, True
        if single:
            return [_Settled(payload["response"]), *waiting], False
        outcomes = unwrap_execute(payload, methods)
        tokens = self._transport.tokens
        for slot, outcome in enumerate(outcomes):
            if not isinstance(outcome, VkError):
                continue
            outcome.redact(tokens.secrets)
            self._transport.stats.failed(outcome)
            if outcome.code in QUOTA_CODES:
                tokens.rest(token, methods[slot])
                outcomes[slot] = _Requeue()
            elif outcome.code in TOKEN_REJECTED_CODES:
                tokens.drop(token, outcome)
                outcomes[slot] = _Requeue()
        return outcomes, False


def build_script(calls: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """`return [API.m({...}), ...];` with JSON-encoded arguments."""
    parts = []
    for method, params in calls:
        args = {key: api_value(value) for key, value in params.items()}
        parts.append(f"API.{method}({sjson_dumps(args)})")
    return "return [" + ",".join(parts) + "];"
