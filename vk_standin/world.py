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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from vk_standin import texts

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
    members_base: int
    members_per_day: float
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
                members_base=int(rng.paretovariate(1.2) * 500),
                members_per_day=rng.uniform(-2, 40),
            )
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
                comment = self._make_comment(
                    rng, group, post_id, cid, self._now, parent, parent, authors
                )
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
            tree = self._generate_tree(group, self._post(group, post_id))
            for comment in self._added.get(key, ()):
                tree.add(comment)
            self._cache[key] = tree
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return tree

    def render_group(self, group: Group, fields: Iterable[str] | None = None) -> dict:
        """A VK group object; `fields=None` means every optional field."""
        rng = random.Random(f"{self.seed}:group:{group.id}")
        photo = f"https://sun9-1.userapi.com/g{group.id}"
        item: dict = {
            "id": group.id,
            "name": group.name,
            "screen_name": group.screen_name,
            "is_closed": group.is_closed,
            "type": group.type,
            "is_admin": 0,
            "is_member": 0,
            "is_advertiser": 0,
            "photo_50": f"{photo}/50.jpg",
            "photo_100": f"{photo}/100.jpg",
            "photo_200": f"{photo}/200.jpg",
        }
        if group.deactivated:
            item["deactivated"] = group.deactivated
            return item  # VK returns only the basics of a deactivated community
        days_in = max(0.0, (self._now - self.start_ts) / DAY)
        optional = {
            "members_count": max(0, group.members_base + int(group.members_per_day * days_in)),
            "activity": rng.choice(texts.ACTIVITIES),
            "description": texts.post_text(rng),
            "verified": int(rng.random() < 0.1),
            "status": texts.sentence(rng, 1, 5),
            "site": rng.choice(("", "https://example.com")),
            "wall": 1 if group.kind == OPEN else 3,
            "age_limits": rng.choice((1, 1, 2, 3)),
            "counters": {"photos": rng.randint(0, 5000), "videos": rng.randint(0, 500)},
        }
        wanted = optional.keys() if fields is None else [f for f in fields if f in optional]
        item.update({name: optional[name] for name in wanted})
        return item

    def render_post(self, group: Group, post: Post) -> dict:
        rng = random.Random(f"{self.seed}:post:{group.id}:{post.id}")
        owner = -group.id
        item: dict = {
            "inner_type": "wall_wallpost",
            "id": post.id,
            "from_id": owner,
            "owner_id": owner,
            "date": post.date,
            "marked_as_ads": 0,
            "post_type": "post",
            "text": texts.post_text(rng),
        }
        if group.pinned_id == post.id:
            item["is_pinned"] = 1
        if rng.random() < 0.1:
            item["edited"] = post.date + rng.randint(60, 7200)
        if rng.random() < 0.05:
            item["signer_id"] = rng.randint(1, 900_000_000)
        if rng.random() < 0.1:
            source = -rng.randint(1, 99_999_999)
            item["copy_history"] = [{
                "id": rng.randint(1, 100_000), "owner_id": source, "from_id": source,
                "date": post.date - rng.randint(60, 30 * DAY), "post_type": "post",
                "text": texts.post_text(rng),
                "attachments": [texts.attachment(rng, source, post.date)],
                "post_source": {"type": "vk"},
            }]
        attachments = [texts.attachment(rng, owner, post.date) for _ in range(rng.choice((0, 0, 1, 1, 2, 4)))]
        if attachments:
            item["attachments"] = attachments
        likes = int(post.n_comments * rng.uniform(1, 5)) + rng.randint(0, 60)
        item["post_source"] = {"type": "vk"}
        item["comments"] = {
            "count": post.n_comments,
            "can_post": 0 if post.comments_closed else 1,
            "groups_can_post": not post.comments_closed,
        }
        item["likes"] = {"count": likes, "user_likes": 0, "can_like": 1, "can_publish": 1}
        item["reposts"] = {"count": rng.randint(0, likes // 5 + 1), "user_reposted": 0}
        if rng.random() < 0.95:  # views are absent on some posts
            item["views"] = {"count": likes * rng.randint(8, 60) + rng.randint(0, 100)}
        if rng.random() < 0.5:
            item["reactions"] = {"reaction_set_id": "reactions", "count": likes,
                                 "items": [{"id": 0, "count": likes}]}
        item["is_favorite"] = False
        item["hash"] = f"{rng.getrandbits(80):020x}"
        return item

    def render_comment(
        self,
        comment: dict,
        tree: CommentTree,
        *,
        need_likes: bool,
        preview_length: int,
        thread_items: int | None,
    ) -> dict:
        """A comment as served; `thread_items=None` leaves `thread.items` out entirely."""
        item = dict(comment)
        if not need_likes:
            item.pop("likes", None)
        if preview_length and item.get("text"):
            item["text"] = item["text"][:preview_length]
        if not comment["parents_stack"]:
            replies = tree.replies[comment["id"]]
            thread: dict = {"count": len(replies)}
            if thread_items is not None:
                thread["items"] = [
                    self.render_comment(r, tree, need_likes=need_likes,
                                        preview_length=preview_length, thread_items=None)
                    for r in replies[:thread_items]
                ]
            thread.update(can_post=True, show_reply_button=True, groups_can_post=True)
            item["thread"] = thread
        return item

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

    def _generate_tree(self, group: Group, post: Post) -> CommentTree:
        rng = random.Random(f"{self.seed}:comments:{group.id}:{post.id}")
        span = max(60, self.end_ts - post.date)
        dates = sorted(post.date + 1 + rng.randrange(span) for _ in range(post.n_generated))
        tree = CommentTree()
        # Each reply adds its thread once more to `attach`: preferential attachment gives the
        # heavy-tailed threads real walls have (most empty, a few with hundreds of replies).
        attach: list[int] = []
        authors: dict[int, int | None] = {}
        for offset, date in enumerate(dates, start=1):
            cid = post.id + offset
            top = target = None
            if tree.tops and rng.random() < self.reply_share:
                top = rng.choice(attach)
                attach.append(top)
                thread = tree.replies[top]
                target = rng.choice(thread)["id"] if thread and rng.random() < 0.5 else top
            comment = self._make_comment(rng, group, post.id, cid, date, top, target, authors)
            authors[cid] = comment.get("from_id")
            tree.add(comment)
            if top is None:
                attach.append(cid)
        return tree

    def _make_comment(
        self,
        rng: random.Random,
        group: Group,
        post_id: int,
        cid: int,
        date: int,
        top: int | None,
        target: int | None,
        authors: dict[int, int | None],
    ) -> dict:
        stack = [top] if top is not None else []
        if rng.random() < self.deleted_share:
            # VK's deleted comment: no author, no text, no post id.
            return {"id": cid, "date": date, "parents_stack": stack, "deleted": True}
        from_id = -group.id if rng.random() < 0.03 else rng.randint(1, 900_000_000)
        comment: dict = {
            "id": cid,
            "from_id": from_id,
            "date": date,
            "text": texts.comment_text(rng),
            "post_id": post_id,
            "owner_id": -group.id,
            "parents_stack": stack,
        }
        if target is not None:
            target_author = authors.get(target)
            if target_author:
                comment["reply_to_user"] = target_author
            comment["reply_to_comment"] = target
        if rng.random() < 0.06:
            kind = rng.choice(("photo", "sticker", "link", "video"))
            comment["attachments"] = [texts.attachment(rng, from_id, date, kind)]
        comment["likes"] = {
            "count": int(rng.paretovariate(1.5)) - 1, "user_likes": 0, "can_like": 1,
            "can_publish": 1,
        }
        return comment


def _ts(value: datetime | int | float | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes must be timezone-aware (UTC)")
        return int(value.timestamp())
    return int(value)
