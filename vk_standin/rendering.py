"""VK's objects as the API serves them: a group, a post, a comment, from a world's slots.

Everything not kept in the slots (texts, counters, attachments) is drawn from a generator
seeded by (world seed, group, post), so the same object renders the same way every time.
"""

from __future__ import annotations

import math
import random
from typing import Iterable

from vk_standin import texts
from vk_standin.entities import DAY, OPEN, CommentTree, Group, Post


def render_group(seed: int, group: Group, days_in: float, fields: Iterable[str] | None = None) -> dict:
    """A VK group object `days_in` days into the world; `fields=None` means every optional field."""
    rng = random.Random(f"{seed}:group:{group.id}")
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
    optional = {
        "members_count": members_count(seed, group, days_in),
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


def members_count(seed: int, group: Group, days_in: float) -> int:
    """The audience `days_in` days into the world: a few thousand to a few hundred thousand
    members, drifting by a fraction of a percent a day, up or down a little from one day to
    the next (so daily snapshots show growth)."""
    rng = random.Random(f"{seed}:audience:{group.id}")
    base = math.exp(rng.uniform(math.log(3_000), math.log(300_000)))
    drift = rng.uniform(-0.0005, 0.003)  # share of the audience gained per day
    day = int(days_in)
    wobble = random.Random(f"{seed}:audience:{group.id}:{day}").uniform(-0.0008, 0.0008)
    return max(0, int(base * (1 + drift * days_in + wobble)))


def render_post(seed: int, group: Group, post: Post, days_in: float) -> dict:
    """A wall post published `days_in` days into the world."""
    rng = random.Random(f"{seed}:post:{group.id}:{post.id}")
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
    # VK's proportions: a post is seen by a share of the audience (a long tail: some go viral),
    # a few percent of viewers like it, fewer comment or repost.
    audience = members_count(seed, group, days_in)
    views = int(audience * min(3.0, rng.lognormvariate(math.log(0.3), 0.7)))
    likes = max(int(views * rng.uniform(0.02, 0.08)), int(post.n_comments * rng.uniform(1.2, 3)))
    views = max(views, likes * rng.randint(8, 20))
    item["post_source"] = {"type": "vk"}
    item["comments"] = {
        "count": post.n_comments,
        "can_post": 0 if post.comments_closed else 1,
        "groups_can_post": not post.comments_closed,
    }
    item["likes"] = {"count": likes, "user_likes": 0, "can_like": 1, "can_publish": 1}
    item["reposts"] = {"count": int(likes * rng.uniform(0.02, 0.25)), "user_reposted": 0}
    if rng.random() < 0.95:  # views are absent on some posts
        item["views"] = {"count": views}
    if rng.random() < 0.5:
        item["reactions"] = {"reaction_set_id": "reactions", "count": likes,
                             "items": [{"id": 0, "count": likes}]}
    item["is_favorite"] = False
    item["hash"] = f"{rng.getrandbits(80):020x}"
    return item


def render_comment(
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
                render_comment(r, tree, need_likes=need_likes,
                                    preview_length=preview_length, thread_items=None)
                for r in replies[:thread_items]
            ]
        thread.update(can_post=True, show_reply_button=True, groups_can_post=True)
        item["thread"] = thread
    return item
