"""The VK API as a Dagster resource, and the public names of the VK client.

    VkApiResource(token=EnvVar("VK_TOKEN"))                       # the real API
    VkApiResource(token=server.token, base_url=server.base_url)   # the stand-in

`token` may hold several tokens separated by commas; each gets its own rate and quota budget.
It is never shown: not in repr(), not in logs or errors (the client names tokens by index and
a hash fingerprint). Give it through `EnvVar` so that Dagster stores only the variable's name.
"""

from __future__ import annotations

from typing import Optional

import dagster as dg
from pydantic import Field

from resources.vk_client import (
    API_VERSION,
    DEFAULT_BASE_URL,
    DEFAULT_GROUP_FIELDS,
    EXECUTE_LIMIT,
    ClientStats,
    CommentsResult,
    GroupsResult,
    VkClient,
    WallPage,
    build_script,
    flatten_comment,
    normalize_group_ref,
    parse_comments_page,
    parse_groups,
    parse_wall_page,
)
from resources.vk_errors import (
    VkConfigError,
    VkError,
    VkQuotaExhausted,
    VkRetryLater,
    VkSkipItem,
    VkSkipOwner,
    error_class,
    error_from_vk,
    unwrap,
    unwrap_execute,
)

__all__ = [
    "API_VERSION", "DEFAULT_BASE_URL", "DEFAULT_GROUP_FIELDS", "EXECUTE_LIMIT", "ClientStats",
    "CommentsResult", "GroupsResult", "VkApiResource", "VkClient", "VkConfigError", "VkError",
    "VkQuotaExhausted", "VkRetryLater", "VkSkipItem", "VkSkipOwner", "WallPage",
    "build_script", "error_class", "error_from_vk", "flatten_comment", "normalize_group_ref",
    "parse_comments_page", "parse_groups", "parse_wall_page", "unwrap", "unwrap_execute",
]

_SECRET_FIELDS = frozenset({"token"})


class VkApiResource(dg.ConfigurableResource):
    """VK API access for assets: `get_client()` gives a thread-safe client."""

    token: str = Field(
        description="VK access token(s), comma-separated. Set it with EnvVar('VK_TOKEN')."
    )
    base_url: str = Field(
        default=DEFAULT_BASE_URL, description="API endpoint; the stand-in's in tests and demo."
    )
    api_version: str = Field(default=API_VERSION, description="VK API version sent as `v`.")
    requests_per_second: float = Field(
        default=3.0, description="Per token. A user token allows 3/s, a service token more."
    )
    timeout_seconds: float = Field(default=10.0, description="Per HTTP request.")
    max_retries: int = Field(default=6, description="For transient errors and transport faults.")
    backoff_base_seconds: float = Field(
        default=0.5, description="First retry pause; doubles per attempt, with jitter."
    )
    backoff_max_seconds: float = Field(default=60.0, description="Cap on one retry pause.")
    rate_limited_pause_seconds: float = Field(
        default=1.0, description="Pause of a token after VK's error 6 (too many requests/s)."
    )
    quota_rest_seconds: Optional[float] = Field(
        default=None,
        description="How long a token rests after error 29; default: until VK's daily reset.",
    )

    def get_client(self) -> VkClient:
        """A new client, so each asset's `client.stats` count its own calls. Clients of one
        process share each token's requests-per-second budget (see shared_limiter)."""
        return VkClient(
            self.token,
            base_url=self.base_url,
            api_version=self.api_version,
            requests_per_second=self.requests_per_second,
            timeout_seconds=self.timeout_seconds,
            max_retries=self.max_retries,
            backoff_base_seconds=self.backoff_base_seconds,
            backoff_max_seconds=self.backoff_max_seconds,
            rate_limited_pause_seconds=self.rate_limited_pause_seconds,
            quota_rest_seconds=self.quota_rest_seconds,
            logger=dg.get_dagster_logger("vk"),
        )

    def __repr_args__(self):
        for name, value in super().__repr_args__():
            yield name, ("***" if name in _SECRET_FIELDS else value)
