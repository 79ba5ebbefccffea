"""Keyset-paged listings: a post's comments in thread order, a group's posts by time or by
engagement."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import psycopg

from query.pages import (
    LATEST,
    Page,
    check_limit,
    decode_cursor,
    encode_cursor,
    int64,
    keyset,
    page_of,
)
from resources.database import load_sql

PostOrder = Literal["newest", "engagement"]
POST_ORDERS = ("newest", "engagement")
# Above any engagement a post can have (the counters are integers).
TOP_ENGAGEMENT = 2**31 - 1


def list_post_comments(conn: psycopg.Connection, group_id: int, post_id: int, *,
                       limit: int = 50, cursor: str | None = None) -> Page:
    """One page of a post's comments: each top-level comment followed by its replies, deleted
    ones kept as placeholders. Raises LookupError for a post that was never loaded."""
    check_limit(limit)
    arguments = {"group_id": group_id, "post_id": post_id}
    position = decode_cursor(cursor, "post_comments", arguments)
    post = conn.execute(load_sql("list_post"), {"group_id": int64(group_id, "group_id"),
                                                "post_id": int64(post_id, "post_id")}).fetchone()
    if post is None:
        raise LookupError(f"post {post_id} of group {group_id} is not in the database")
    thread_id, comment_id = keyset(position, "after", int, int) or (0, 0)
    rows = conn.execute(load_sql("list_post_comments"), {
        "group_id": int64(group_id, "group_id"),
        "post_id": int64(post_id, "post_id"),
        "post_published_at": post["published_at"],
        "after_thread_id": int64(thread_id, "cursor"),
        "after_comment_id": int64(comment_id, "cursor"),
        "limit": limit + 1,
    }).fetchall()
    return page_of(rows, limit, lambda last: encode_cursor(
        "post_comments", arguments, {"after": [last["thread_id"], last["comment_id"]]}))


def list_group_posts(conn: psycopg.Connection, group_id: int, *, order: PostOrder = "newest",
                     limit: int = 50, cursor: str | None = None) -> Page:
    """One page of a group's posts, newest first or by engagement (likes + reposts + comments)."""
    if order not in POST_ORDERS:
        raise ValueError(f"order must be one of {', '.join(POST_ORDERS)}")
    check_limit(limit)
    arguments = {"group_id": group_id, "order": order}
    position = decode_cursor(cursor, "group_posts", arguments)
    params = {"group_id": int64(group_id, "group_id"), "limit": limit + 1}
    if order == "newest":
        published_at, post_id = keyset(position, "after", datetime, int) or (LATEST, 0)
        params.update(after_published_at=published_at, after_post_id=int64(post_id, "cursor"))
        rows = conn.execute(load_sql("list_group_posts"), params).fetchall()
        key = ("published_at", "post_id")
    else:
        engagement, post_id = keyset(position, "after", int, int) or (TOP_ENGAGEMENT, 0)
        params.update(after_engagement=engagement, after_post_id=int64(post_id, "cursor"))
        rows = conn.execute(load_sql("list_group_posts_by_engagement"), params).fetchall()
        key = ("engagement", "post_id")
    return page_of(rows, limit, lambda last: encode_cursor(
        "group_posts", arguments, {"after": [last[column] for column in key]}))
