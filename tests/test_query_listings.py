"""Keyset-paged listings on a real PostgreSQL: a post's comments in thread order, a group's
posts by time and by engagement, page after page while new rows arrive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from query import CursorError, list_group_posts, list_post_comments

POST_TIME = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def walk(listing, *args, limit, cursor=None, **kwargs) -> list[list[dict]]:
    pages = []
    while True:
        page = listing(*args, limit=limit, cursor=cursor, **kwargs)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def _groups(db):
    db.execute("INSERT INTO vk.groups (group_id, name, validation_status) VALUES (1, 'g', 'valid'), "
               "(2, 'g', 'valid') ON CONFLICT DO NOTHING")


@pytest.fixture
def thread_post(db, rows):
    """Post 10 of group 1: three threads, replies arriving out of order, one deleted root."""
    db.execute("SELECT vk.ensure_comment_partitions('2026-01-01', '2026-02-01')")
    _groups(db)
    rows.post(1, 10, POST_TIME - timedelta(days=1))

    def comment(comment_id, minutes, root=None, **extra):
        extra = {"text": f"comment {comment_id}", **extra}
        rows.comment(1, 10, comment_id, POST_TIME - timedelta(days=1), POST_TIME + timedelta(minutes=minutes),
                     thread_root_id=root, **extra)

    comment(11, 1)
    comment(12, 2)
    comment(13, 3, root=11)
    comment(14, 4, is_deleted=True, from_id=None, text="")
    comment(15, 5, root=12)
    comment(16, 6, root=11)
    comment(17, 7, root=14)
    comment(18, 8)
    return comment


def test_post_comments_come_thread_by_thread(db, thread_post):
    items = [item for page in walk(list_post_comments, db, 1, 10, limit=3) for item in page]
    assert [item["comment_id"] for item in items] == [11, 13, 16, 12, 15, 14, 17, 18]
    deleted = next(item for item in items if item["comment_id"] == 14)
    assert deleted["is_deleted"] and deleted["text"] == ""
    assert [len(page) for page in walk(list_post_comments, db, 1, 10, limit=3)] == [3, 3, 2]


def test_post_comments_pages_survive_new_replies_and_comments(db, thread_post):
    first = list_post_comments(db, 1, 10, limit=4)
    assert [item["comment_id"] for item in first.items] == [11, 13, 16, 12]
    thread_post(19, 9, root=11)  # a reply into a thread already read: before the cursor
    thread_post(20, 10, root=14)  # a reply into a thread still ahead
    thread_post(21, 11)  # a new top-level comment
    rest = walk(list_post_comments, db, 1, 10, limit=4, cursor=first.next_cursor)
    assert [item["comment_id"] for page in rest for item in page] == [15, 14, 17, 20, 18, 21]


def test_post_comments_of_an_unknown_post_say_so(db, thread_post):
    with pytest.raises(LookupError, match="post 99 of group 1"):
        list_post_comments(db, 1, 99)


def test_post_comments_read_only_their_partition(db, thread_post):
    post = db.execute("SELECT published_at FROM vk.posts WHERE group_id = 1 AND post_id = 10").fetchone()
    from resources.database import load_sql

    plan = db.execute(
        "EXPLAIN (FORMAT JSON) " + load_sql("list_post_comments"),
        {"group_id": 1, "post_id": 10, "post_published_at": post["published_at"],
         "after_thread_id": 0, "after_comment_id": 0, "limit": 10},
        prepare=False,
    ).fetchone()["QUERY PLAN"][0]["Plan"]
    relations = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        relations.add(node.get("Relation Name"))
        stack += node.get("Plans", [])
    assert relations - {None} == {"comments_2026_01"}


@pytest.fixture
def group_posts(db, rows):
    _groups(db)
    for n in range(1, 13):
        rows.post(1, n, POST_TIME + timedelta(hours=n if n != 7 else 6),  # 6 and 7: same time
                  likes_count=(n * 7) % 10, reposts_count=n % 3, comments_count=1)
    rows.post(2, 1, POST_TIME + timedelta(days=1))


def test_group_posts_newest_first_page_by_page(db, group_posts):
    pages = walk(list_group_posts, db, 1, limit=5)
    posts = [item["post_id"] for page in pages for item in page]
    assert posts == [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    assert [len(page) for page in pages] == [5, 5, 2]


def test_group_posts_by_engagement_page_by_page(db, group_posts):
    items = [item for page in walk(list_group_posts, db, 1, order="engagement", limit=5)
             for item in page]
    keys = [(item["engagement"], item["post_id"]) for item in items]
    assert keys == sorted(keys, reverse=True) and len(keys) == 12
    assert all(item["engagement"] == item["likes_count"] + item["reposts_count"]
               + item["comments_count"] for item in items)


def test_new_posts_do_not_disturb_pages_already_read(db, rows, group_posts):
    first = list_group_posts(db, 1, limit=5)
    rows.post(1, 99, POST_TIME + timedelta(days=3))  # newer than every post read so far
    rest = walk(list_group_posts, db, 1, limit=5, cursor=first.next_cursor)
    assert [item["post_id"] for page in rest for item in page] == [7, 6, 5, 4, 3, 2, 1]


def test_listing_cursors_belong_to_their_listing(db, group_posts):
    by_time = list_group_posts(db, 1, limit=2)
    with pytest.raises(CursorError, match="different query"):
        list_group_posts(db, 1, order="engagement", limit=2, cursor=by_time.next_cursor)
    with pytest.raises(CursorError, match="another listing"):
        list_post_comments(db, 1, 10, limit=2, cursor=by_time.next_cursor)
    with pytest.raises(CursorError, match="different query"):
        list_group_posts(db, 2, limit=2, cursor=by_time.next_cursor)
    with pytest.raises(ValueError, match="order"):
        list_group_posts(db, 1, order="random")
