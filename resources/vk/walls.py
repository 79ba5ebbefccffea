"""Reading one day range of a wall: finding where the window starts, then paging through it
while posts are published and removed under the reader."""

from __future__ import annotations

from datetime import datetime
from typing import Iterator, Mapping

from resources.vk.shapes import PAGE, WallPage, parse_wall_page
from resources.vk.transport import Transport


def iter_wall(
    transport: Transport, owner_id: int, since: datetime, until: datetime
) -> Iterator[dict]:
    """Every post of a wall with since <= date < until, reading only the window's pages.

    The wall is newest first (a pinned post on top out of order), so the window's first
    offset is searched for, by interpolation on dates with bisection as the fallback, and
    the wall is then paged forward until a page ends before `since`.

    Offsets drift while we read. Posts published at the head push everything down: pages
    then repeat posts already seen, which the id set drops. Posts removed ahead of us pull
    everything up, so unread posts could slip past: each page is therefore read with one
    post of overlap, and a page that starts past the last post seen (or a first page that
    starts inside the window) makes the reader step back until the pages join up.
    """
    lo, hi = _unix(since), _unix(until)
    reader = _WallReader(transport, owner_id)
    seen: set[int] = set()
    first = reader.read(0)
    for post in first.items:
        if post.get("is_pinned") and lo <= _date(post) < hi:
            seen.add(post["id"])
            yield post
    page = _find_window_start(reader, first, hi)
    frontier = (hi, 0)  # wall-order key the next page must start at or before
    back = 0
    while page is not None:
        posts = page.chronological
        if page.offset > 0 and posts and _order(posts[0]) < frontier:
            back = max(2 * back, reader.drop + 1)
            page = reader.read(max(0, page.offset - back))
            continue
        back = 0
        for post in posts:
            if lo <= _date(post) < hi and post["id"] not in seen:
                seen.add(post["id"])
                yield post
        if len(page.items) < PAGE or not posts or _date(posts[-1]) < lo:
            break
        frontier = _order(posts[-1])
        # One post of overlap proves the pages join; a wall that just lost posts ahead of
        # us is likely to lose more, so the last drop is allowed for in advance.
        page = reader.read(max(0, page.offset + len(page.items) - 1 - reader.drop))


class _WallReader:
    """wall.get pages of one wall; `drop` is how many posts vanished since the last page."""

    def __init__(self, transport: Transport, owner_id: int) -> None:
        self._transport = transport
        self._owner_id = owner_id
        self.count: int | None = None
        self.drop = 0

    def read(self, offset: int) -> WallPage:
        response = self._transport.call(
            "wall.get", {"owner_id": self._owner_id, "offset": offset, "count": PAGE}
        )
        page = parse_wall_page(response)
        page.offset = offset
        if self.count is not None:
            self.drop = max(0, self.count - page.count)
        self.count = page.count
        return page


def _find_window_start(reader: _WallReader, first: WallPage, until: int) -> WallPage | None:
    """A page holding the newest post older than `until` and the post before it, or None if
    no post is older than `until`.

    Offsets before `lo` hold posts at or after `until`; the boundary is in [lo, hi]. Probes
    interpolate the boundary from dates (posting is roughly steady) and fall back to
    bisection when an interpolated probe did not halve the range.
    """
    if _holds_boundary(first, until):
        return first
    posts = first.chronological
    lo, lo_date = first.offset + len(first.items), _date(posts[-1])
    hi, hi_date = reader.count or 0, None
    span = _date(posts[0]) - _date(posts[-1])
    rate = (len(posts) - 1) / span if span > 0 else 1.0  # posts per second near the head
    interpolate = True
    while lo < hi:
        if interpolate:
            if hi_date is not None and lo_date > hi_date:
                guess = lo + (hi - lo) * (lo_date - until) / (lo_date - hi_date)
            else:
                guess = lo + (lo_date - until) * rate
            probe = int(guess) - PAGE // 2
        else:
            probe = (lo + hi) // 2 - PAGE // 2
        probe = max(lo, min(probe, hi - 1))
        width = hi - lo
        page = reader.read(probe)
        posts = page.chronological
        if not posts:
            hi, hi_date = min(hi, probe), None
        elif _date(posts[-1]) >= until:
            lo, lo_date = probe + len(page.items), _date(posts[-1])
            if len(page.items) < PAGE:
                return None  # the wall ends before any post older than `until`
        elif _date(posts[0]) < until:
            hi, hi_date = probe, _date(posts[0])
        else:
            return page
        interpolate = (hi - lo) * 2 <= width
    start = min(lo, hi)
    # From the post before the boundary, so the page shows where the window begins.
    return reader.read(max(0, start - 1)) if start < (reader.count or 0) else None


def _holds_boundary(page: WallPage, until: int) -> bool:
    posts = page.chronological
    return len(page.items) < PAGE or not posts or _date(posts[-1]) < until


def _unix(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return int(value.timestamp())


def _date(item: Mapping) -> int:
    return int(item.get("date") or 0)  # old responses carried some numbers as strings


def _order(post: Mapping) -> tuple[int, int]:
    """A post's place on the wall: newer date first, then higher id."""
    return _date(post), int(post.get("id") or 0)
