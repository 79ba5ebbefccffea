"""Keyset pages and their opaque cursors.

A cursor names the last row a page showed (and, for relevance order, the window the pages rank
within), so the next page starts right after it whatever rows arrived meanwhile: nothing is
skipped or repeated, and page 10,000 costs what page 1 costs. It is opaque to callers:
URL-safe base64 of a small JSON document, bound to the listing and the arguments it was made
for, so that a cursor pasted into another query is refused instead of silently misread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from psycopg.types.numeric import Int8

MAX_LIMIT = 500
# Keyset bounds for "no bound yet": later than any comment, and before any.
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class CursorError(ValueError):
    """A cursor that is malformed or belongs to another listing or query."""


@dataclass(frozen=True)
class Page:
    """One page of a listing; `next_cursor` is None on the last page."""

    items: list[dict]
    next_cursor: str | None = None
    # How the page was answered (which search tier), for people tuning and for tests.
    plan: str = field(default="", compare=False)


def page_of(rows: list[dict], limit: int, cursor_after: Callable[[dict], str]) -> Page:
    """The first `limit` rows; one more was asked for to know whether a next page exists."""
    items = rows[:limit]
    return Page(items, cursor_after(items[-1]) if len(rows) > limit else None)


def check_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return limit


def int64(value: int | None, name: str) -> Int8 | None:
    """An id as a bigint parameter: one prepared statement whatever its size, and a clear error
    (not a database one) for numbers no id can be."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not INT64_MIN <= value <= INT64_MAX:
        raise ValueError(f"{name} must be a 64-bit integer")
    return Int8(value)


def aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value


def fingerprint(listing: str, arguments: dict[str, Any]) -> str:
    canonical = json.dumps([listing, arguments], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(listing: str, arguments: dict[str, Any], position: dict[str, Any]) -> str:
    document = {"l": listing, "f": fingerprint(listing, arguments), "p": _jsonable(position)}
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, listing: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
    """The position a cursor holds, or None for the first page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if document["l"] != listing:
            raise CursorError(f"this cursor belongs to another listing ({document['l']})")
        if document["f"] != fingerprint(listing, arguments):
            raise CursorError("this cursor was made for a different query or filters")
        return {key: _restore(value) for key, value in document["p"].items()}
    except CursorError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError, binascii.Error) as exc:
        raise CursorError("malformed cursor") from exc


def keyset(position: dict[str, Any] | None, name: str, *types: type) -> list | None:
    """The key `name` of a decoded cursor position, checked against the types it must hold."""
    value = (position or {}).get(name)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != len(types) or not all(
            isinstance(item, kind) and not isinstance(item, bool) for item, kind in zip(value, types)):
        raise CursorError("malformed cursor")
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def _restore(value: Any) -> Any:
    if isinstance(value, dict):
        return date.fromisoformat(value["d"]) if "d" in value else datetime.fromisoformat(value["t"])
    if isinstance(value, list):
        return [_restore(item) for item in value]
    if isinstance(value, bool) or not isinstance(value, (int, float, str, type(None))):
        raise CursorError("malformed cursor")
    return value
