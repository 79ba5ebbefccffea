"""What a client sent and what came back wrong, counted for efficiency checks and run metadata."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Iterable

from resources.vk.errors import VkError


class ClientStats:
    """What this client sent: for efficiency checks and run metadata. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.http_requests = 0
        self.retries = 0
        self.method_calls: Counter[str] = Counter()  # calls inside execute included
        self.requests_by_token: Counter[str] = Counter()  # by token label
        self.errors: Counter[str] = Counter()  # by VK code, "transport" for the rest

    def sent(self, token_label: str, methods: Iterable[str]) -> None:
        with self._lock:
            self.http_requests += 1
            self.requests_by_token[token_label] += 1
            self.method_calls.update(methods)

    def failed(self, error: VkError) -> None:
        with self._lock:
            self.errors[str(error.code) if error.code is not None else "transport"] += 1

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "http_requests": self.http_requests,
                "retries": self.retries,
                "method_calls": dict(self.method_calls),
                "requests_by_token": dict(self.requests_by_token),
                "errors": dict(self.errors),
            }
