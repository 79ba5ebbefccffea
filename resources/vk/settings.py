"""The VK client's settings: the one place each of them is declared with its default.

`VkApiResource` takes its configuration fields' defaults from here and hands its values back as
a `VkSettings`, so a default changed here is the resource's and the client's at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Sequence


@dataclass(frozen=True)
class VkSettings:
    """How a `VkClient` reaches VK and how patiently it treats it."""

    # One token or several, comma-separated (or as a list): each has its own rate and quota.
    token: str | Sequence[str] = field(repr=False)
    base_url: str = "https://api.vk.ru/method"
    api_version: str = "5.199"
    requests_per_second: float = 3.0  # per token
    timeout_seconds: float = 10.0  # per HTTP request
    max_retries: int = 6
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 60.0
    rate_limited_pause_seconds: float = 1.0
    quota_rest_seconds: float | None = None  # None: until VK's daily reset
    # A rejected token (5, 28, 1117) is skipped by every process this long, then tried again.
    rejected_token_hold_seconds: float = 3600.0
    # Requests one token may have waiting for VK at once: VK takes ~0.5 s to answer an execute
    # of 25 calls, longer than a user token's 1/3 s between requests, so one would idle it; a
    # third keeps it busy while a lane stores its community (benchmarks/throughput.py).
    requests_in_flight_per_token: int = 3

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def default(cls, name: str) -> Any:
        return cls.__dataclass_fields__[name].default

    @property
    def secrets(self) -> list[str]:
        parts = self.token.split(",") if isinstance(self.token, str) else list(self.token)
        return [s.strip() for s in parts if s and s.strip()]

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/")
