"""VK's wall, comment and community answers read into the pages and results the loaders use.

The parsers take both the 5.x objects and the older bare lists; any other shape is a
retryable error, as a cut-off reply would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from resources.vk.errors import VkError, VkRetryLater

PAGE = 100  # wall.get and wall.getComments count maximum


@dataclass
class WallPage:
    count: int
    items: list[dict]
    offset: int = 0

    @property
    def chronological(self) -> list[dict]:
        """The page without the pinned post, which sits on top out of date order."""
        return [p for p in self.items if not p.get("is_pinned")]


@dataclass
class CommentsPage:
    count: int
    items: list[dict]
    current_level_count: int | None = None


@dataclass
class CommentsResult:
    """All comments of one post, or as many as could be read and why the rest could not."""

    items: list[dict] = field(default_factory=list)
    error: VkError | None = None


def parse_wall_page(response: Any) -> WallPage:
    """A wall.get response: 5.x `{count, items}`, or the pre-5.0 `[count, post, ...]` list."""
    if isinstance(response, Mapping):
        return WallPage(int(response.get("count") or 0), list(response.get("items") or []))
    if isinstance(response, list) and response and isinstance(response[0], int):
        return WallPage(response[0], list(response[1:]))
    raise VkRetryLater(None, f"unexpected wall.get response {type(response).__name__}", "wall.get")


def parse_comments_page(response: Any) -> CommentsPage:
    if isinstance(response, Mapping):
        return CommentsPage(
            int(response.get("count") or 0),
            list(response.get("items") or []),
            response.get("current_level_count"),
        )
    if isinstance(response, list) and response and isinstance(response[0], int):
        return CommentsPage(response[0], list(response[1:]))
    raise VkRetryLater(
        None, f"unexpected wall.getComments response {type(response).__name__}",
        "wall.getComments",
    )


def parse_groups(response: Any) -> list[dict]:
    """groups.getById: 5.199's `{"groups": [...], "profiles": [...]}` or the older bare list."""
    if isinstance(response, Mapping):
        return list(response.get("groups") or response.get("items") or [])
    if isinstance(response, list):
        return list(response)
    raise VkRetryLater(
        None, f"unexpected groups.getById response {type(response).__name__}", "groups.getById"
    )


def flatten_comment(item: Mapping) -> list[dict]:
    """A comment and the replies previewed in its thread, each as an item of its own.

    `thread.items` is dropped from the copy: the replies are stored once, as their own items.
    """
    top = dict(item)
    thread = top.get("thread")
    replies: list[dict] = []
    if isinstance(thread, Mapping):
        replies = [dict(r) for r in thread.get("items") or []]
        top["thread"] = {k: v for k, v in thread.items() if k != "items"}
    return [top, *replies]
