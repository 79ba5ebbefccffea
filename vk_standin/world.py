"""A deterministic VK world: communities, their walls and comment trees.

The world is the stand-in server's data and, at the same time, the ground truth tests compare
loaded data with. Groups and the skeleton of every wall (post ids, dates, comment counts) are
built up front; post bodies and comment trees are rendered on demand from
(seed, group, post), so a world with millions of comments never holds them all in memory.

Ids follow VK's habit of one id sequence per wall shared by posts and comments: a post's
generated comments take the ids right after the post's own id, and comments or posts added
later take ids past everything that exists. So comment ids rise with time inside a post, which
is what `sort=asc` paging relies on.
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Iterable

from vk_standin import texts
from vk_standin.comment_trees import generate_tree, make_comment
from vk_standin.entities import (  # noqa: F401 (the kinds are the world's vocabulary for tests)
    BANNED,
    CLOSED,
    DAY,
    DEFAULT_START,
    DELETED,
    GROUP_ID_BASE,
    OPEN,
    PRIVATE,
    UTC,
    CommentTree,
    Group,
    Post,
)
from vk_standin.rendering import render_comment, render_group, render_post

class World:
    """A seeded VK world; see the module docstring. All times are unix seconds, UTC."""

    def __init__(
        self,
        seed: int = 1,
        n_groups: int = 20,
        start: datetime = DEFAULT_START,
        days: int = 7,
        posts_per_day: float = 3.0,
        mean_comments: float = 6.0,
        max_comments: int = 3000,
        hot_post_share: float = 0.01,
        reply_share: float = 0.4,
        deleted_share: float = 0.03,
        comments_closed_share: float = 0.05,
        pinned_share: float = 0.5,
        n_closed: int = 1,
        n_private: int = 1,
        n_deleted: int = 1,
        n_banned: int = 1,
        publish_every_wall_gets: int = 0,
        cache_posts: int = 256,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        self.seed = seed
        self.start_ts = int(start.timestamp())
        self.end_ts = self.start_ts + days * DAY
        self.mean_comments = mean_comments
        self.max_comments = max_comments
        self.hot_post_share = hot_post_share
        self.reply_share = reply_share
        self.deleted_share = deleted_share
        self.comments_closed_share = comments_closed_share
        self.pinned_share = pinned_share
        # Offset drift on demand: every N-th wall.get of a group first publishes a new post there.
        self.publish_every_wall_gets = publish_every_wall_gets
        self._now = self.end_ts
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[int, int], CommentTree] = OrderedDict()
        self._cache_size = cache_posts
        self._added: dict[tuple[int, int], list[dict]] = {}
        self._wall_gets: dict[int, int] = {}
        self._groups = self._build_groups(
            n_groups, posts_per_day, days, (n_closed, n_private, n_deleted, n_banned)
        )
        self._by_id = {g.id: g for g in self._groups}
        self._by_name = {g.screen_name.lower(): g for g in self._groups}

    # ----------------------------------------------------------------- building
    def _build_groups(
        self, n: int, posts_per_day: float, days: int, special_counts: tuple[int, ...]
    ) -> list[Group]:
        rng = random.Random(f"{self.seed}:groups")
        # Never let special groups crowd out the open ones a crawl actually reads.
        budget = n // 2
        kinds: list[str] = []
        for kind, wanted in zip((CLOSED, PRIVATE, DELETED, BANNED), special_counts):
            take = min(wanted, budget)
            kinds += [kind] * take
            budget -= take
        kinds += [OPEN] * (n - len(kinds))
        rng.shuffle(kinds)
        groups = []
        for index, kind in enumerate(kinds, start=1):
            name, screen_name = texts.group_name(rng, index)
            group = Group(
                id=GROUP_ID_BASE + index * 7 + rng.randrange(7),
                name=name,
                screen_name=screen_name,
                type=rng.choice(("group", "page", "page", "event")),
                kind=kind,
            )
            # Two draws once spent on members, which rendering.members_count now draws from a
            # generator of its own: kept so that every seed still builds the same world.
            rng.paretovariate(1.2), rng.uniform(-2, 40)
            if kind == OPEN:
                self._build_wall(group, posts_per_day * days * rng.uniform(0.5, 1.5))
            groups.append(group)
        return groups

    def _build_wall(self, group: Group, expected_posts: float) -> None:
        rng = random.Random(f"{self.seed}:wall:{group.id}")
        dates = sorted(
            self.start_ts + rng.randrange(self.end_ts - self.start_ts)
            for _ in range(round(expected_posts))
        )
        next_id = rng.randint(50, 5000)
        for date in dates:
            closed = rng.random() < self.comments_closed_share
            n = 0 if closed else self._comment_count(rng)
            group.posts.append(Post(next_id, date, n, closed))
            next_id += n + 1
        group.next_id = next_id
        if group.posts and rng.random() < self.pinned_share:
            # VK communities usually pin an older post: it then sits on top out of date order.
            oldest = group.posts[: max(1, len(group.posts) // 5)]
            group.pinned_id = rng.choice(oldest).id

    def _comment_count(self, rng: random.Random) -> int:
        if rng.random() < self.hot_post_share:
            return rng.randint(max(1, self.max_comments // 3), self.max_comments)
        # Lomax (Pareto II) with shape 2: mean = scale, median ~0.4 * mean, a long tail.
        scale = self.mean_comments
        return min(self.max_comments, int(scale * ((1.0 - rng.random()) ** -0.5 - 1)))

    # ------------------------------------------------------------ ground truth
    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self.start_ts, UTC)

    @property
    def end(self) -> datetime:
        """End of the generated window (exclusive)."""
        return datetime.fromtimestamp(self.end_ts, UTC)

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    @property
    def now_ts(self) -> int:
        return self._now

    def groups(self) -> list[dict]:
        """Every group as a VK group object with all fields, deactivated ones included."""
        return [self.render_group(g) for g in self._groups]

    def group_ids(self, kind: str | None = None) -> list[int]:
        return [g.id for g in self._groups if kind is None or g.kind == kind]

    def resolve(self, ref: str) -> dict | None:
        group = self.find_group(ref)
        return self.render_group(group) if group else None

    def posts(
        self,
        group_id: int | None = None,
        since: datetime | int | None = None,
        until: datetime | int | None = None,
    ) -> list[dict]:
        """Readable posts with since <= date < until: per group (in groups() order), newest first.

        Walls of closed, private, deleted and banned groups hold no posts: nothing of theirs is
        loadable, so nothing of theirs exists for a comparison.
        """
        lo = _ts(since, default=-(2**62))
        hi = _ts(until, default=2**62)
        out = []
        for group in self._groups:
            if group_id is not None and group.id != group_id:
                continue
            with self._lock:
                slots = [p for p in group.posts if lo <= p.date < hi]
            out += [self.render_post(group, p) for p in reversed(slots)]
        return out

    def comments(self, group_id: int, post_id: int) -> list[dict]:
        """Every comment of a post (top level, all replies, deleted ones) by id.

        Items are shaped as wall.getComments returns them with need_likes=1 and
        preview_length=0; top-level comments carry `thread.count` but no `thread.items`
        (replies are items of their own here).
        """
        tree = self.comment_tree(group_id, post_id)
        items = [
            self.render_comment(c, tree, need_likes=True, preview_length=0, thread_items=None)
            for c in tree.order
        ]
        return copy.deepcopy(items)

    def comment_count(self, group_id: int, post_id: int) -> int:
        return self._post(self._by_id[group_id], post_id).n_comments

    def total_posts(self) -> int:
        return sum(len(g.posts) for g in self._groups)

    def total_comments(self) -> int:
        """All comments in the world, counted without generating them."""
        return sum(p.n_comments for g in self._groups for p in g.posts)

    # ---------------------------------------------------------------- mutators
    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += int(seconds)

    def publish_post(
        self, group_id: int, when: datetime | int | None = None, n_comments: int = 0
    ) -> dict:
        """A new post at the head of the wall: every offset behind it shifts by one."""
        with self._lock:
            group = self._readable_group(group_id)
            post = Post(group.next_id, _ts(when, default=self._now), n_comments, False)
            group.next_id += n_comments + 1
            bisect.insort(group.posts, post, key=lambda p: (p.date, p.id))
        return self.render_post(group, post)

    def delete_post(self, group_id: int, post_id: int) -> None:
        with self._lock:
            group = self._readable_group(group_id)
            group.posts.remove(self._post(group, post_id))
            if group.pinned_id == post_id:
                group.pinned_id = None
            self._cache.pop((group_id, post_id), None)

    def add_comments(self, group_id: int, post_id: int, n: int) -> list[dict]:
        """`n` new comments dated `now`: about a third are replies to existing threads."""
        with self._lock:
            group = self._readable_group(group_id)
            post = self._post(group, post_id)
            if post.comments_closed:
                raise ValueError(f"comments of post {post_id} are closed")
            tree = self.comment_tree(group_id, post_id)
            rng = random.Random(f"{self.seed}:added:{group_id}:{post_id}:{post.n_added}")
            authors = {c["id"]: c.get("from_id") for c in tree.order}
            new = []
            for _ in range(n):
                cid = group.next_id
                group.next_id += 1
                parent = rng.choice(tree.tops)["id"] if tree.tops and rng.random() < 0.35 else None
                comment = make_comment(rng, group, post_id, cid, self._now, parent, parent, authors,
                                       self.deleted_share)
                authors[cid] = comment.get("from_id")
                tree.add(comment)
                self._added.setdefault((group_id, post_id), []).append(comment)
                new.append(comment)
            post.n_added += n
            return [
                self.render_comment(c, tree, need_likes=True, preview_length=0, thread_items=None)
                for c in copy.deepcopy(new)
            ]

    # ---------------------------------------------------- server-facing reading
    def find_group(self, ref: str | int) -> Group | None:
        """A group by id, `club123`/`public123`/`event123` or screen name (any case)."""
        ref = str(ref).strip().lower()
        for prefix in ("club", "public", "event"):
            if ref.startswith(prefix) and ref[len(prefix):].isdigit():
                return self._by_id.get(int(ref[len(prefix):])) or self._by_name.get(ref)
        if ref.lstrip("-").isdigit():
            return self._by_id.get(abs(int(ref)))
        return self._by_name.get(ref)

    def group_by_id(self, group_id: int) -> Group | None:
        return self._by_id.get(group_id)

    def wall(self, group: Group) -> list[Post]:
        """The wall as wall.get pages it: the pinned post first, then newest first."""
        with self._lock:
            posts = list(reversed(group.posts))
        if group.pinned_id is not None:
            pinned = [p for p in posts if p.id == group.pinned_id]
            posts = pinned + [p for p in posts if p.id != group.pinned_id]
        return posts

    def post_slot(self, group: Group, post_id: int) -> Post | None:
        with self._lock:
            return next((p for p in group.posts if p.id == post_id), None)

    def note_wall_get(self, group: Group) -> None:
        if not self.publish_every_wall_gets:
            return
        with self._lock:
            self._wall_gets[group.id] = self._wall_gets.get(group.id, 0) + 1
            if self._wall_gets[group.id] % self.publish_every_wall_gets == 0:
                self.publish_post(group.id)
                self._now += 1

    def comment_tree(self, group_id: int, post_id: int) -> CommentTree:
        key = (group_id, post_id)
        with self._lock:
            tree = self._cache.get(key)
            if tree is not None:
                self._cache.move_to_end(key)
                return tree
            group = self._by_id[group_id]
            tree = generate_tree(self.seed, group, self._post(group, post_id), self.end_ts,
                                 self.reply_share, self.deleted_share)
            for comment in self._added.get(key, ()):
                tree.add(comment)
            self._cache[key] = tree
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return tree

    def render_group(self, group: Group, fields: Iterable[str] | None = None) -> dict:
        days_in = max(0.0, (self._now - self.start_ts) / DAY)
        return render_group(self.seed, group, days_in, fields)

    def render_post(self, group: Group, post: Post) -> dict:
        return render_post(self.seed, group, post, max(0.0, (post.date - self.start_ts) / DAY))

    render_comment = staticmethod(render_comment)

    # ------------------------------------------------------------------ helpers
    def _readable_group(self, group_id: int) -> Group:
        group = self._by_id.get(group_id)
        if group is None or not group.wall_readable:
            raise ValueError(f"group {group_id} has no readable wall")
        return group

    def _post(self, group: Group, post_id: int) -> Post:
        post = self.post_slot(group, post_id)
        if post is None:
            raise KeyError(f"no post {post_id} on the wall of group {group.id}")
        return post

def _ts(value: datetime | int | float | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware (UTC)")
        return int(value.timestamp())
    return int(value)
