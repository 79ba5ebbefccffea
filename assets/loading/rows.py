"""VK API items turned into table rows: typed columns, content analysis, the raw item kept.

Every function takes what VK sent as it is (any API version: old responses lack `owner_id` and
`post_id` on comments, some numbers arrive as strings) and never fails on a missing field.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

# A hashtag is # followed by letters, digits or _ (Cyrillic included); VK also links
# #tag@community, where the part after @ names the community, not the tag.
HASHTAG = re.compile(r"(?<![\w#])#(\w+)(?:@\w+)?", re.UNICODE)
# VK's own mention markup [id123|Name] / [club45|Name], and plain @screen_name.
MENTION_MARKUP = re.compile(r"\[((?:id|club|public|event)\d+|[a-z0-9_.]+)\|[^\]]*\]", re.IGNORECASE)
MENTION_AT = re.compile(r"(?<![\w@])@([a-z0-9_.]{2,32})(?![\w])", re.IGNORECASE)
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'\]]+|\bvk\.(?:cc|com|ru|me)/[^\s<>\"'\]]+", re.IGNORECASE)


def hashtags(text: str) -> list[str]:
    return _unique(tag.lower() for tag in HASHTAG.findall(text or ""))


def mentions(text: str) -> list[str]:
    found = MENTION_MARKUP.findall(text or "") + MENTION_AT.findall(text or "")
    return _unique(name.lower() for name in found)


def links(text: str) -> list[str]:
    return _unique(link.rstrip(".,;:!?)") for link in LINK.findall(text or ""))


def attachment_types(item: dict) -> list[str]:
    return _unique(str(a.get("type")) for a in item.get("attachments") or [] if a.get("type"))


def _unique(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def _int(value: Any, default: int | None = 0) -> int | None:
    """VK's numbers; old responses sent some as strings, and counters may be absent."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _count(item: dict, field: str, default: int | None = 0) -> int | None:
    value = item.get(field)
    if isinstance(value, dict):
        return _int(value.get("count"), default)
    return _int(value, default)


def clean_text(value: Any) -> str:
    # PostgreSQL text and jsonb refuse NUL characters; VK lets them through in rare texts.
    return str(value or "").replace("\x00", "")


def raw_json(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False).replace("\\u0000", "")


def timestamp(value: Any) -> datetime:
    return datetime.fromtimestamp(_int(value), tz=UTC)


POST_COLUMNS = (
    "group_id", "post_id", "published_at", "from_id", "signer_id", "post_type", "text",
    "comments_count", "likes_count", "reposts_count", "views_count", "is_pinned", "is_ad",
    "is_repost", "attachment_types", "hashtags", "mentions", "links", "raw",
)


def post_row(group_id: int, item: dict) -> tuple:
    text = clean_text(item.get("text"))
    return (
        group_id,
        _int(item["id"]),
        timestamp(item.get("date")),
        _int(item.get("from_id"), None),
        _int(item.get("signer_id"), None),
        str(item.get("post_type") or "post"),
        text,
        _count(item, "comments"),
        _count(item, "likes"),
        _count(item, "reposts"),
        _count(item, "views", None),
        bool(_int(item.get("is_pinned"))),
        bool(_int(item.get("marked_as_ads"))),
        bool(item.get("copy_history")),
        attachment_types(item),
        hashtags(text),
        mentions(text),
        links(text),
        raw_json(item),
    )


COMMENT_COLUMNS = (
    "group_id", "comment_id", "post_id", "post_published_at", "published_at", "from_id", "text",
    "likes_count", "reply_to_user", "reply_to_comment", "thread_root_id", "thread_count",
    "is_deleted", "attachment_types", "hashtags", "mentions", "raw",
)


def comment_row(group_id: int, post_id: int, post_published_at: datetime, item: dict) -> tuple:
    """A comment as stored. Deleted comments come from VK with no author and no text.

    The published time is clamped to the post's: VK never dates a comment before its post, and
    the constraint that says so must not turn a clock quirk into a lost comment.
    """
    deleted = bool(item.get("deleted"))
    text = "" if deleted else clean_text(item.get("text"))
    thread = item.get("thread") or {}
    parents = item.get("parents_stack") or []
    # The raw item without the thread preview: those replies are stored as rows of their own.
    raw = {key: value for key, value in item.items() if key != "thread"}
    if thread:
        raw["thread"] = {key: value for key, value in thread.items() if key != "items"}
    return (
        group_id,
        _int(item["id"]),
        post_id,
        post_published_at,
        max(timestamp(item.get("date")), post_published_at),
        None if deleted else _int(item.get("from_id"), None),
        text,
        _count(item, "likes"),
        _int(item.get("reply_to_user"), None),
        _int(item.get("reply_to_comment"), None),
        _int(parents[0], None) if parents else None,
        _count(thread, "count") if thread else 0,
        deleted,
        attachment_types(item),
        hashtags(text),
        mentions(text),
        raw_json(raw),
    )


GROUP_STATUSES = {"deleted": "deleted", "banned": "banned"}


def group_validation(group: dict) -> tuple[str, str | None]:
    """(validation_status, reason) of a community as groups.getById describes it."""
    deactivated = group.get("deactivated")
    if deactivated in GROUP_STATUSES:
        return GROUP_STATUSES[deactivated], f"community is {deactivated} on VK"
    if deactivated:
        return "deleted", f"community is deactivated on VK ({deactivated})"
    closed = _int(group.get("is_closed"))
    if closed == 1:
        return "closed", "closed community: its wall needs membership"
    if closed == 2:
        return "private", "private community: its wall needs an invitation"
    return "valid", None


GROUP_COLUMNS = (
    "group_id", "screen_name", "name", "group_type", "is_closed", "deactivated", "members_count",
    "description", "photo_url", "validation_status", "validation_reason", "raw",
)


def group_row(group: dict) -> tuple:
    status, reason = group_validation(group)
    deactivated = group.get("deactivated")
    group_type = group.get("type")
    return (
        _int(group["id"]),
        group.get("screen_name") or None,
        clean_text(group.get("name")),
        group_type if group_type in ("group", "page", "event") else None,
        _int(group.get("is_closed")) if _int(group.get("is_closed")) in (0, 1, 2) else 0,
        deactivated if deactivated in GROUP_STATUSES else None,
        _int(group.get("members_count"), None),
        clean_text(group.get("description")) or None,
        group.get("photo_200") or group.get("photo_100") or group.get("photo_50"),
        status,
        reason,
        raw_json(group),
    )
