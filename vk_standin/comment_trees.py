"""The comment trees of posts: how many replies, to whom, by whom, deleted or not.

Generated from (seed, group, post) on demand, so a world of millions of comments never holds
them all; comment ids follow the post's own id, as on VK's walls.
"""

from __future__ import annotations

import random

from vk_standin import texts
from vk_standin.entities import CommentTree, Group, Post


def generate_tree(seed: int, group: Group, post: Post, end_ts: int, reply_share: float,
                  deleted_share: float) -> CommentTree:
    """The comments generated for a post, dated between the post and the world's end."""
    rng = random.Random(f"{seed}:comments:{group.id}:{post.id}")
    span = max(60, end_ts - post.date)
    dates = sorted(post.date + 1 + rng.randrange(span) for _ in range(post.n_generated))
    tree = CommentTree()
    # Each reply adds its thread once more to `attach`: preferential attachment gives the
    # heavy-tailed threads real walls have (most empty, a few with hundreds of replies).
    attach: list[int] = []
    authors: dict[int, int | None] = {}
    for offset, date in enumerate(dates, start=1):
        cid = post.id + offset
        top = target = None
        if tree.tops and rng.random() < reply_share:
            top = rng.choice(attach)
            attach.append(top)
            thread = tree.replies[top]
            target = rng.choice(thread)["id"] if thread and rng.random() < 0.5 else top
        comment = make_comment(rng, group, post.id, cid, date, top, target, authors, deleted_share)
        authors[cid] = comment.get("from_id")
        tree.add(comment)
        if top is None:
            attach.append(cid)
    return tree


def make_comment(
    rng: random.Random,
    group: Group,
    post_id: int,
    cid: int,
    date: int,
    top: int | None,
    target: int | None,
    authors: dict[int, int | None],
    deleted_share: float,
) -> dict:
    stack = [top] if top is not None else []
    if rng.random() < deleted_share:
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
