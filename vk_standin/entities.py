"""What a stand-in world is made of: communities, wall slots and comment trees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

UTC = timezone.utc
DAY = 86_400
DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)
GROUP_ID_BASE = 100_000_000

# Group kinds and how their walls answer (see methods.WALL_ACCESS_ERRORS).
OPEN, CLOSED, PRIVATE, DELETED, BANNED = "open", "closed", "private", "deleted", "banned"


@dataclass(slots=True)
class Post:
    """A wall slot: what must be known without rendering the post."""

    id: int
    date: int
    n_generated: int  # comments generated from the seed (ids id+1 .. id+n_generated)
    comments_closed: bool
    n_added: int = 0  # comments added later through World.add_comments

    @property
    def n_comments(self) -> int:
        return self.n_generated + self.n_added


@dataclass(slots=True)
class Group:
    id: int
    name: str
    screen_name: str
    type: str
    kind: str
    posts: list[Post] = field(default_factory=list)  # ascending by (date, id)
    pinned_id: int | None = None
    next_id: int = 1  # next free id on this wall

    @property
    def is_closed(self) -> int:
        return {CLOSED: 1, PRIVATE: 2}.get(self.kind, 0)

    @property
    def deactivated(self) -> str | None:
        return self.kind if self.kind in (DELETED, BANNED) else None

    @property
    def wall_readable(self) -> bool:
        return self.kind == OPEN


@dataclass(slots=True)
class CommentTree:
    """All comments of one post, indexed the ways wall.getComments reads them."""

    order: list[dict] = field(default_factory=list)  # every comment by id
    tops: list[dict] = field(default_factory=list)
    replies: dict[int, list[dict]] = field(default_factory=dict)  # top comment id -> replies
    by_id: dict[int, dict] = field(default_factory=dict)

    def add(self, comment: dict) -> None:
        self.order.append(comment)
        self.by_id[comment["id"]] = comment
        stack = comment["parents_stack"]
        if stack:
            self.replies[stack[0]].append(comment)
        else:
            self.tops.append(comment)
            self.replies[comment["id"]] = []
