"""The VK API client the loaders use: one object holding a token pool, its transport and its
batches, with the reads the assets need (communities, a wall's window, comments)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping, Sequence

from resources.vk import comments, groups, walls
from resources.vk.batching import BatchRunner
from resources.vk.settings import VkSettings
from resources.vk.shapes import CommentsResult
from resources.vk.stats import ClientStats
from resources.vk.tokens import TokenPool
from resources.vk.transport import Transport

log = logging.getLogger("vk_analytics.vk")


class VkClient:
    """A thread-safe VK API client. Build it with `VkApiResource.get_client()` in assets."""

    def __init__(self, settings: VkSettings, logger: logging.Logger | None = None,
                 limits_database_url: str | None = None) -> None:
        self.settings = settings
        self.log = logger or log
        self.stats = ClientStats()
        limits = None
        if limits_database_url:
            # Imported here: resources.database reads resources.settings, which reads this package.
            from resources.vk.shared_limits import PostgresLimits

            limits = PostgresLimits(limits_database_url)
        self.tokens = TokenPool(
            settings.secrets, base_url=settings.endpoint,
            requests_per_second=settings.requests_per_second,
            quota_rest_seconds=settings.quota_rest_seconds,
            rejected_token_hold_seconds=settings.rejected_token_hold_seconds,
            logger=self.log,
            limits=limits,
        )
        self._transport = Transport(settings, self.tokens, self.stats, self.log)
        self._batches = BatchRunner(self._transport)

    def __repr__(self) -> str:
        return f"VkClient(base_url={self.settings.endpoint!r}, tokens={len(self.tokens.secrets)})"

    @property
    def lanes(self) -> int:
        """How many streams of requests keep the live tokens busy: each token's requests in
        flight, within its requests per second."""
        return max(1, self.tokens.live * self.settings.requests_in_flight_per_token)

    def call(self, method: str, **params: Any) -> Any:
        """One API method; returns the `response` part or raises a typed VkError."""
        return self._transport.call(method, params)

    def execute(self, calls: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Any]:
        """Runs independent calls through `execute`, 25 per request: one slot per call, its
        response or its own typed VkError (see BatchRunner.run)."""
        return self._batches.run(calls)[0]

    def get_groups(
        self, refs: Iterable[str], fields: str = groups.DEFAULT_GROUP_FIELDS
    ) -> list[dict]:
        """The communities `refs` name, unique by id (see groups.get_groups)."""
        return groups.get_groups(self._transport, refs, fields)

    def iter_wall(self, owner_id: int, since: datetime, until: datetime) -> Iterator[dict]:
        """Every post of a wall with since <= date < until (see walls.iter_wall)."""
        return walls.iter_wall(self._transport, owner_id, since, until)

    def get_comments(
        self, owner_id: int, post_ids: Iterable[int]
    ) -> dict[int, CommentsResult]:
        """Every comment of each post, or its typed error (see comments.get_comments)."""
        return comments.get_comments(self._batches, owner_id, post_ids)
