"""One VK request over HTTP: the token it goes with, its retries and their backoff.

HTTP goes through our own `requests.Session`, not `vk_api.VkApi.method()`: that method holds a
global lock while it sleeps to a fixed 3 requests/s, retries error 6 on its own and raises
untyped errors, and it takes one token, which would leave per-token budgets, typed reactions
and retries with jitter to be fought around rather than built.
"""

from __future__ import annotations

import logging
import random
import re
import queue
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Sequence

import requests

from resources.vk.errors import (
    QUOTA_CODES,
    TOKEN_REJECTED_CODES,
    VkError,
    VkRetryLater,
    refuses_execute,
    unwrap,
)
from resources.vk.settings import VkSettings
from resources.vk.stats import ClientStats
from resources.vk.tokens import Token, TokenPool

# Error 9 (flood control) asks for a much longer pause than an ordinary transient failure.
FLOOD_BACKOFF_FACTOR = 10.0
_METHOD_NAME = re.compile(r"^[A-Za-z]+\.[A-Za-z]+$")

_SESSIONS: queue.LifoQueue[requests.Session] = queue.LifoQueue()


class SingleCallFailed(Exception):
    """The one call a service token sent in place of an `execute` failed with `error`."""

    def __init__(self, error: VkError) -> None:
        super().__init__(str(error))
        self.error = error


class Transport:
    """Sends a client's requests: each with a usable token, retried until it gets an answer
    or a typed error that retrying cannot cure."""

    def __init__(
        self, settings: VkSettings, tokens: TokenPool, stats: ClientStats, log: logging.Logger
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.stats = stats
        self.log = log
        self._random = random.Random()

    def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """One API method; returns the `response` part or raises a typed VkError."""
        if method != "execute":
            check_method_name(method)
        payload, _, _ = self.request(method, params, [method])
        return payload["response"]

    def request(
        self, method: str, params: Mapping[str, Any], methods: Sequence[str],
        single: tuple[str, Mapping[str, Any]] | None = None,
    ) -> tuple[dict, Token, bool]:
        """One request with retries. `methods` are the API calls it makes (execute's too).

        `single`: for an `execute`, the one call a service token sends in its place.
        Returns the envelope (without a top-level error), the token that got it, and whether
        it answers `single` rather than the execute.
        """
        retries = self.settings.max_retries
        attempt = 0
        while True:
            lease = self.tokens.acquire(methods, single[0] if single else None)
            token = lease.token
            sent_method, sent_params = single if lease.single else (method, params)
            self.stats.sent(token.label, [sent_method] if lease.single else methods)
            try:
                payload = self._post(sent_method, sent_params, token)
                unwrap(payload, sent_method)
            except VkError as error:
                error.redact(self.tokens.secrets)
                self.stats.failed(error)
                if refuses_execute(error, sent_method):
                    self.tokens.mark_service_token(token)
                    continue
                if error.code in TOKEN_REJECTED_CODES:
                    self.tokens.drop(token, error)
                    continue
                if error.code in QUOTA_CODES:
                    self.tokens.rest(token, sent_method)
                    continue
                if not isinstance(error, VkRetryLater):
                    raise SingleCallFailed(error) if lease.single else error
                attempt += 1
                if attempt > retries:
                    error.with_detail(f"gave up after {retries} retries")
                    raise (SingleCallFailed(error) if lease.single else error) from None
                self.stats.retried()
                delay = self.backoff(attempt, error, token)
                pause = f"{token.label} pauses" if error.code == 6 else "in"
                self.log.warning(
                    "%s; retry %d/%d, %s %.2fs", error, attempt, retries, pause,
                    delay or self.settings.rate_limited_pause_seconds,
                )
                time.sleep(delay)
                continue
            token.limiter.relax()
            return payload, token, lease.single

    def _post(self, method: str, params: Mapping[str, Any], token: Token) -> Any:
        # The token travels in the POST body, never in the URL, so no transport error,
        # proxy log or exception message that quotes the URL can carry it.
        data = {key: _form_value(value) for key, value in params.items()}
        data.update(access_token=token.secret, v=self.settings.api_version)
        try:
            with _session() as session:
                response = session.post(
                    f"{self.settings.endpoint}/{method}", data=data,
                    timeout=self.settings.timeout_seconds,
                )
            if response.status_code != 200:
                raise VkRetryLater(None, f"HTTP {response.status_code}", method)
            return response.json()
        except requests.RequestException as exc:
            raise VkRetryLater(None, f"{type(exc).__name__}: {exc}", method) from None
        except ValueError:  # JSONDecodeError: a cut-off or non-JSON body
            raise VkRetryLater(None, "cut-off or non-JSON body", method) from None

    def backoff(self, attempt: int, error: VkError, token: Token | None = None) -> float:
        settings = self.settings
        if error.code == 6:
            # Too many requests per second: this token pauses and slows down; the pool's
            # acquire() does the waiting, so other tokens are not held up.
            if token is not None:
                self.tokens.pause(token, settings.rate_limited_pause_seconds)
                return 0.0
            return settings.rate_limited_pause_seconds
        delay = settings.backoff_base_seconds * 2 ** (attempt - 1)
        delay = min(settings.backoff_max_seconds, delay)
        if error.code == 9:
            delay = min(settings.backoff_max_seconds, delay * FLOOD_BACKOFF_FACTOR)
        return delay * self._random.uniform(0.5, 1.5)  # jitter: parallel workers drift apart


def check_method_name(method: str) -> None:
    """Refuses a name that is not `section.method`: it would be sent as a path or a script."""
    if not _METHOD_NAME.match(method):
        raise ValueError(f"not a VK method name: {method!r}")


def api_value(value: Any) -> Any:
    """A parameter as VK reads it: flags as 0/1, lists comma-separated."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    return value


def _form_value(value: Any) -> str:
    value = api_value(value)
    return value if isinstance(value, str) else str(value)


@contextmanager
def _session() -> Iterator[requests.Session]:
    # A session to itself per request, kept for the next: lanes are threads that end with each
    # step, and a connection opened anew reaches VK late (a handshake), squeezing the gap to the
    # next request of its token on the server's clock.
    try:
        session = _SESSIONS.get_nowait()
    except queue.Empty:
        session = requests.Session()
    try:
        yield session
    finally:
        _SESSIONS.put(session)
