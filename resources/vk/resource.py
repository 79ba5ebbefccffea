"""The VK API as a Dagster resource: configuration fields that become a client's settings.

    VkApiResource(token=EnvVar("VK_TOKEN"))                       # the real API
    VkApiResource(token=server.token, base_url=server.base_url)   # the stand-in

`token` may hold several tokens separated by commas; each gets its own rate and quota budget.
It is never shown: not in repr(), not in logs or errors (the client names tokens by index and
a hash fingerprint). Give it through `EnvVar` so that Dagster stores only the variable's name.
"""

from __future__ import annotations

from typing import Any, Optional

import dagster as dg
from pydantic import Field

from resources.vk.client import VkClient
from resources.vk.settings import VkSettings

_SECRET_FIELDS = frozenset({"token"})


def _setting(name: str, description: str) -> Any:
    """A config field whose default is VkSettings', so the two cannot drift apart."""
    return Field(default=VkSettings.default(name), description=description)


class VkApiResource(dg.ConfigurableResource):
    """VK API access for assets: `get_client()` gives a thread-safe client."""

    token: str = Field(
        description="VK access token(s), comma-separated. Set it with EnvVar('VK_TOKEN')."
    )
    base_url: str = _setting("base_url", "API endpoint; the stand-in's in tests and demo.")
    api_version: str = _setting("api_version", "VK API version sent as `v`.")
    requests_per_second: float = _setting(
        "requests_per_second", "Per token. A user token allows 3/s, a service token more."
    )
    timeout_seconds: float = _setting("timeout_seconds", "Per HTTP request.")
    max_retries: int = _setting("max_retries", "For transient errors and transport faults.")
    backoff_base_seconds: float = _setting(
        "backoff_base_seconds", "First retry pause; doubles per attempt, with jitter."
    )
    backoff_max_seconds: float = _setting("backoff_max_seconds", "Cap on one retry pause.")
    rate_limited_pause_seconds: float = _setting(
        "rate_limited_pause_seconds", "Pause of a token after VK's error 6 (too many requests/s)."
    )
    quota_rest_seconds: Optional[float] = _setting(
        "quota_rest_seconds",
        "How long a token rests after error 29; default: until VK's daily reset.",
    )

    rejected_token_hold_seconds: float = _setting(
        "rejected_token_hold_seconds",
        "How long every process skips a token VK rejected (error 5) before trying it again.",
    )
    requests_in_flight_per_token: int = _setting(
        "requests_in_flight_per_token",
        "Requests of one token waiting for VK at once (within its requests per second); loads "
        "read this many communities at once per live token.",
    )

    def client_settings(self) -> VkSettings:
        return VkSettings(**{name: getattr(self, name) for name in VkSettings.names()})

    def get_client(self, limits_database_url: str | None = None) -> VkClient:
        """A new client, so each asset's `client.stats` count its own calls.

        With `limits_database_url` (the loads pass their database's) each token's pace, daily
        use and holds are shared by every process of the deployment (resources/vk/
        shared_limits.py); without, by the clients of this process only.
        """
        return VkClient(self.client_settings(), logger=dg.get_dagster_logger("vk"),
                        limits_database_url=limits_database_url)

    def __repr_args__(self):
        for name, value in super().__repr_args__():
            yield name, ("***" if name in _SECRET_FIELDS else value)
