"""The VK API client the loaders use: token pool, rate limits, retries, execute batching, paging.

HTTP goes through our own `requests.Session`, not `vk_api.VkApi.method()`: that method holds a
global lock while it sleeps to a fixed 3 requests/s, retries error 6 on its own and raises
untyped errors, and it takes one token, which would leave per-token budgets, typed reactions
and retries with jitter to be fought around rather than built. vk_api still encodes the
VKScript arguments (`sjson_dumps`, the same encoder its `VkFunction` uses).
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Collection, Iterable, Iterator, Mapping, Sequence

import requests
from vk_api.utils import sjson_dumps

from resources.vk_errors import (
    EXECUTE_FALLBACK_CODES,
    QUOTA_CODES,
    TOKEN_REJECTED_CODES,
    VkConfigError,
    VkError,
    VkQuotaExhausted,
    VkRetryLater,
    VkSkipItem,
    VkSkipOwner,
    unwrap,
    unwrap_execute,
)

DEFAULT_BASE_URL = "https://api.vk.ru/method"
API_VERSION = "5.199"
EXECUTE_LIMIT = 25  # API calls per execute request
GROUPS_PER_CALL = 500
POSTS_PER_CALL = 100
PAGE = 100  # wall.get and wall.getComments count maximum
THREAD_PREVIEW = 10  # thread_items_count maximum
# Pages of one comment level requested ahead of its announced size; reading on past them
# still follows the short-page rule, so a wrong count costs requests, never comments.
PAGES_AHEAD = 50
DEFAULT_GROUP_FIELDS = (
    "members_count,activity,description,verified,status,site,wall,age_limits,counters"
)
# Error 9 (flood control) asks for a much longer pause than an ordinary transient failure.
FLOOD_BACKOFF_FACTOR = 10.0
# Margin on each request slot: loopback or network jitter must not push two requests into
# one window on the server's clock.
RATE_SAFETY_SECONDS = 0.01
# VK resets daily quotas once a day; Moscow midnight is our assumption (unconfirmed).
VK_DAY_TZ = timezone(timedelta(hours=3))

log = logging.getLogger("vk_analytics.vk")


# ---------------------------------------------------------------- rate limiting
class RateLimiter:
    """Spaces request starts at least 1/rate apart; thread-safe.

    Each caller reserves the next free slot under the lock and sleeps outside it, so threads
    share one budget without serialising their network time.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("requests per second must be positive")
        self.base_interval = 1.0 / rate + RATE_SAFETY_SECONDS
        self.interval = self.base_interval
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Claims the next slot; returns how long to wait for it."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
            return slot - now

    def next_free(self) -> float:
        with self._lock:
            return self._next

    def penalize(self, pause: float) -> None:
        """After error 6: nothing for `pause` seconds, then a slower pace for a while."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + pause)
            self.interval = min(self.base_interval * 4, self.interval * 1.5)

    def relax(self) -> None:
        with self._lock:
            self.interval = max(self.base_interval, self.interval * 0.95)


_LIMITERS: dict[tuple[str, str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(base_url: str, secret: str, rate: float) -> RateLimiter:
    """One limiter per (endpoint, token, rate) in the process, so that several clients built
    from the same resource (one per asset) still share the token's budget."""
    key = (base_url, fingerprint(secret), rate)
    with _LIMITERS_LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(rate)
        return _LIMITERS[key]


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:8]


# ------------------------------------------------------------------ token pool
@dataclass(eq=False)
class _Token:
    index: int
    secret: str = field(repr=False)
    limiter: RateLimiter = field(repr=False)
    resting_until: dict[str, float] = field(default_factory=dict)  # method -> unix time
    dropped_because: str | None = None

    @property
    def label(self) -> str:
        return f"token #{self.index} (sha256 {fingerprint(self.secret)})"

    def __repr__(self) -> str:
        return f"<{self.label}>"


class TokenPool:
    """The tokens of one client: each with its own rate budget and quota state.

    A token that hits error 29 rests for that method until the quota resets while the others
    carry on; a token VK rejects (5, 28, 1117) is dropped for good. Tokens are only ever
    named by index and fingerprint.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        base_url: str,
        requests_per_second: float,
        quota_rest_seconds: float | None,
        logger: logging.Logger,
    ) -> None:
        if not secrets:
            raise VkConfigError(None, "no VK token configured (set VK_TOKEN)", "client")
        self._tokens = [
            _Token(i, s, shared_limiter(base_url, s, requests_per_second))
            for i, s in enumerate(secrets, start=1)
        ]
        self._quota_rest_seconds = quota_rest_seconds
        self._lock = threading.Lock()
        self._log = logger

    @property
    def secrets(self) -> list[str]:
        return [t.secret for t in self._tokens]

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self._tokens]

    def live(self) -> list[_Token]:
        with self._lock:
            return [t for t in self._tokens if t.dropped_because is None]

    def acquire(self, methods: Collection[str]) -> _Token:
        """A token that may call all `methods` now, after waiting for its rate slot."""
        with self._lock:
            now = time.time()
            live = [t for t in self._tokens if t.dropped_because is None]
            if not live:
                reasons = "; ".join(f"{t.label}: {t.dropped_because}" for t in self._tokens)
                raise VkConfigError(None, f"no usable VK token left ({reasons})", "client")
            usable = [
                t for t in live if all(t.resting_until.get(m, 0.0) <= now for m in methods)
            ]
            if not usable:
                retry_at = min(max(t.resting_until.get(m, 0.0) for m in methods) for t in live)
                raise VkQuotaExhausted(
                    29,
                    f"daily quota used up on all {len(live)} token(s); resets at "
                    f"{datetime.fromtimestamp(retry_at, timezone.utc):%Y-%m-%d %H:%M} UTC",
                    ",".join(sorted(methods)),
                    retry_at=retry_at,
                )
            token = min(usable, key=lambda t: t.limiter.next_free())
            wait = token.limiter.reserve()
        if wait > 0:
            time.sleep(wait)
        return token

    def rest(self, token: _Token, method: str) -> None:
        now = time.time()
        if self._quota_rest_seconds is not None:
            until = now + self._quota_rest_seconds
        else:
            until = next_quota_reset(now)
        with self._lock:
            token.resting_until[method] = until
            others = sum(
                1 for t in self._tokens
                if t is not token and t.dropped_because is None
                and t.resting_until.get(method, 0.0) <= now
            )
        self._log.warning(
            "VK: %s used up its daily %s quota (error 29); it rests until %s UTC, %d other "
            "token(s) carry on", token.label, method,
            datetime.fromtimestamp(until, timezone.utc).strftime("%Y-%m-%d %H:%M"), others,
        )

    def drop(self, token: _Token, error: VkError) -> None:
        with self._lock:
            if token.dropped_because is not None:
                return
            token.dropped_because = f"error {error.code}: {error.message}"
            left = sum(1 for t in self._tokens if t.dropped_because is None)
        self._log.error(
            "VK rejected %s (error %s: %s); dropping it, %d token(s) left",
            token.label, error.code, error.message, left,
        )


def next_quota_reset(now: float) -> float:
    day = datetime.fromtimestamp(now, VK_DAY_TZ)
    midnight = (day + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()


# ----------------------------------------------------------------------- stats
class ClientStats:
    """What this client sent: for efficiency checks and run metadata. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.http_requests = 0
        self.retries = 0
        self.method_calls: Counter[str] = Counter()  # calls inside execute included
        self.requests_by_token: Counter[str] = Counter()  # by token label
        self.errors: Counter[str] = Counter()  # by VK code, "transport" for the rest

    def sent(self, token_label: str, methods: Iterable[str]) -> None:
        with self._lock:
            self.http_requests += 1
            self.requests_by_token[token_label] += 1
            self.method_calls.update(methods)

    def failed(self, error: VkError) -> None:
        with self._lock:
            self.errors[str(error.code) if error.code is not None else "transport"] += 1

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "http_requests": self.http_requests,
                "retries": self.retries,
                "method_calls": dict(self.method_calls),
                "requests_by_token": dict(self.requests_by_token),
                "errors": dict(self.errors),
            }


# --------------------------------------------------------------------- shapes
@dataclass
class WallPage:
    count: int
    items: list[dict]
    offset: int = 0

    @property
    def chronological(self) -> list[dict]:
        """The page without the pinned post, which sits on top out of date order."""
        return [p for p in self.items if not p.get("is_pinned")]


@dataclass
class CommentsPage:
    count: int
    items: list[dict]
    current_level_count: int | None = None


@dataclass
class CommentsResult:
    """All comments of one post, or as many as could be read and why the rest could not."""

    items: list[dict] = field(default_factory=list)
    error: VkError | None = None

    @property
    def complete(self) -> bool:
        return self.error is None


@dataclass
class GroupsResult:
    groups: list[dict]  # unique by id, in the order of the references
    by_ref: dict[str, dict]  # each reference VK resolved -> its group
    not_found: list[str]  # references as given that VK did not resolve


def parse_wall_page(response: Any) -> WallPage:
    """A wall.get response: 5.x `{count, items}`, or the pre-5.0 `[count, post, ...]` list."""
    if isinstance(response, Mapping):
        return WallPage(int(response.get("count") or 0), list(response.get("items") or []))
    if isinstance(response, list) and response and isinstance(response[0], int):
        return WallPage(response[0], list(response[1:]))
    raise VkRetryLater(None, f"unexpected wall.get response {type(response).__name__}", "wall.get")


def parse_comments_page(response: Any) -> CommentsPage:
    if isinstance(response, Mapping):
        return CommentsPage(
            int(response.get("count") or 0),
            list(response.get("items") or []),
            response.get("current_level_count"),
        )
    if isinstance(response, list) and response and isinstance(response[0], int):
        return CommentsPage(response[0], list(response[1:]))
    raise VkRetryLater(
        None, f"unexpected wall.getComments response {type(response).__name__}",
        "wall.getComments",
    )


def parse_groups(response: Any) -> list[dict]:
    """groups.getById: 5.199's `{"groups": [...], "profiles": [...]}` or the older bare list."""
    if isinstance(response, Mapping):
        return list(response.get("groups") or response.get("items") or [])
    if isinstance(response, list):
        return list(response)
    raise VkRetryLater(
        None, f"unexpected groups.getById response {type(response).__name__}", "groups.getById"
    )


def flatten_comment(item: Mapping) -> list[dict]:
    """A comment and the replies previewed in its thread, each as an item of its own.

    `thread.items` is dropped from the copy: the replies are stored once, as their own items.
    """
    top = dict(item)
    thread = top.get("thread")
    replies: list[dict] = []
    if isinstance(thread, Mapping):
        replies = [dict(r) for r in thread.get("items") or []]
        top["thread"] = {k: v for k, v in thread.items() if k != "items"}
    return [top, *replies]


_REF_PREFIX = re.compile(r"^(?:club|public|event)(\d+)$")
_SCREEN_NAME = re.compile(r"^[a-z0-9_.]+$")
_HOST = re.compile(r"^(?:[a-z]+://)?(?:www\.|m\.|new\.)?vk\.(?:com|ru)(?:/|$)")


def normalize_group_ref(ref: str) -> str | None:
    """A community reference as groups.getById takes it: the id as digits or a screen name.

    Accepts what people paste: `https://vk.com/club123`, `vk.ru/public123`, `m.vk.com/apiclub`,
    `@apiclub`, `-123`, `123`, with slashes, query strings, spaces and BOMs. None if it is not
    a community reference at all.
    """
    text = ref.strip().strip("\ufeff").strip().strip("'\"").lower()
    text = _HOST.sub("", text)
    text = text.split("?", 1)[0].split("#", 1)[0].strip("/").split("/", 1)[0]
    text = text.lstrip("@")
    match = _REF_PREFIX.match(text)
    if match:
        return str(int(match.group(1)))
    if text.lstrip("-").isdigit():
        return str(abs(int(text))) if int(text) != 0 else None
    return text if _SCREEN_NAME.match(text) else None


# --------------------------------------------------------------------- client
_THREAD_LOCAL = threading.local()
_METHOD_NAME = re.compile(r"^[A-Za-z]+\.[A-Za-z]+$")


@dataclass(frozen=True)
class _Settled:
    """A batch slot already answered by a single call with its own retries: final."""

    value: Any


@dataclass(frozen=True)
class _Requeue:
    """A batch slot whose token ran out of quota: try again on another token."""


@dataclass(frozen=True)
class _CommentsTask:
    post_id: int
    comment_id: int | None  # None: the post's top level; else that comment's reply branch
    offset: int
    reads_on: bool = True  # the last page requested of its level: a full page asks for more

    def params(self, owner_id: int) -> dict:
        params = {
            "owner_id": owner_id, "post_id": self.post_id, "offset": self.offset,
            "count": PAGE, "sort": "asc", "preview_length": 0, "need_likes": 1,
        }
        if self.comment_id is None:
            params["thread_items_count"] = THREAD_PREVIEW
        else:
            params["comment_id"] = self.comment_id
        return params


def _level_pages(post_id: int, comment_id: int | None, start: int,
                 announced: int | None) -> list[_CommentsTask]:
    """The pages of a comment level from `start` to its announced size, requested together
    rather than one after another: a post with 2,000 comments is 20 pages, and read in turn
    they would hold 20 requests that each carry little else."""
    offsets = range(start, max(start + PAGE, announced or 0), PAGE)[:PAGES_AHEAD]
    return [_CommentsTask(post_id, comment_id, offset, reads_on=offset == offsets[-1])
            for offset in offsets]


class VkClient:
    """A thread-safe VK API client. Build it with `VkApiResource.get_client()` in assets."""

    def __init__(
        self,
        token: str | Sequence[str],
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = API_VERSION,
        requests_per_second: float = 3.0,
        timeout_seconds: float = 10.0,
        max_retries: int = 6,
        backoff_base_seconds: float = 0.5,
        backoff_max_seconds: float = 60.0,
        rate_limited_pause_seconds: float = 1.0,
        quota_rest_seconds: float | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        secrets = token.split(",") if isinstance(token, str) else list(token)
        secrets = [s.strip() for s in secrets if s and s.strip()]
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.rate_limited_pause_seconds = rate_limited_pause_seconds
        self.log = logger or log
        self.stats = ClientStats()
        self.tokens = TokenPool(
            secrets, base_url=self.base_url, requests_per_second=requests_per_second,
            quota_rest_seconds=quota_rest_seconds, logger=self.log,
        )
        self._random = random.Random()

    def __repr__(self) -> str:
        return f"VkClient(base_url={self.base_url!r}, tokens={len(self.tokens.secrets)})"

    # ---------------------------------------------------------------- calls
    def call(self, method: str, **params: Any) -> Any:
        """One API method; returns the `response` part or raises a typed VkError."""
        return self._call(method, params)

    def execute(self, calls: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Any]:
        """Runs independent calls through `execute`, 25 per request.

        Returns one slot per call: its response, or the typed VkError of that call alone.
        Transient sub-call failures are retried (batched with other pending calls); batches
        VK refuses as a whole (12, 13 incl. a too-large response, 36) are split down to single
        calls. Stop errors (VkConfigError, VkQuotaExhausted) and transport failures that
        outlast the retries are raised.
        """
        return self._execute(calls, EXECUTE_LIMIT)[0]

    def _execute(
        self, calls: Sequence[tuple[str, Mapping[str, Any]]], batch_size: int
    ) -> tuple[list[Any], int]:
        """`execute` starting at `batch_size` calls per request; also returns the batch size
        VK accepted, so a caller sending many rounds doesn't pay for a split every round."""
        calls = [(m, dict(p)) for m, p in calls]
        for method, _ in calls:
            if not _METHOD_NAME.match(method):
                raise ValueError(f"not a VK method name: {method!r}")
        results: list[Any] = [None] * len(calls)
        attempts = [0] * len(calls)
        ready = deque(range(len(calls)))
        delayed: list[tuple[float, int]] = []  # (not before, slot), a heap
        while ready or delayed:
            now = time.monotonic()
            while delayed and delayed[0][0] <= now:
                ready.append(heapq.heappop(delayed)[1])
            if not ready:
                time.sleep(delayed[0][0] - now)
                continue
            batch = [ready.popleft() for _ in range(min(batch_size, len(ready)))]
            outcomes, split = self._run_batch([calls[i] for i in batch])
            if split:
                # The batch was too big for VK; don't pay for that again in this call.
                batch_size = max(1, len(batch) // 2)
            for slot, outcome in zip(batch, outcomes):
                if isinstance(outcome, _Requeue):
                    ready.append(slot)
                elif (
                    isinstance(outcome, VkRetryLater) and attempts[slot] < self.max_retries
                ):
                    attempts[slot] += 1
                    self.stats.retried()
                    delay = self._backoff(attempts[slot], outcome)
                    heapq.heappush(delayed, (time.monotonic() + delay, slot))
                else:
                    results[slot] = outcome.value if isinstance(outcome, _Settled) else outcome
        return results, batch_size

    # -------------------------------------------------------------- helpers
    def resolve_groups(
        self, refs: Iterable[str], fields: str = DEFAULT_GROUP_FIELDS
    ) -> GroupsResult:
        """Resolves community references, 500 per groups.getById call.

        VK leaves unknown references out of its answer, or answers error 100 when none of a
        call's references is valid; both end up in `not_found`. Deleted and banned communities
        are found (with `deactivated`): what to do with them is the loader's business.
        """
        refs = list(refs)
        keys = {ref: normalize_group_ref(ref) for ref in refs}
        unique = list(dict.fromkeys(k for k in keys.values() if k))
        by_key: dict[str, dict] = {}
        for start in range(0, len(unique), GROUPS_PER_CALL):
            chunk = unique[start: start + GROUPS_PER_CALL]
            try:
                response = self._call(
                    "groups.getById", {"group_ids": ",".join(chunk), "fields": fields}
                )
            except VkSkipItem:
                continue  # none of this chunk's references exists
            for group in parse_groups(response):
                by_key[str(group["id"])] = group
                if group.get("screen_name"):
                    by_key[str(group["screen_name"]).lower()] = group
        by_ref = {ref: by_key[key] for ref, key in keys.items() if key and key in by_key}
        groups = list({g["id"]: g for g in by_ref.values()}.values())
        not_found = [ref for ref in refs if ref not in by_ref]
        return GroupsResult(groups, by_ref, not_found)

    def get_groups(self, refs: Iterable[str], fields: str = DEFAULT_GROUP_FIELDS) -> list[dict]:
        """The communities `refs` name (see resolve_groups for which were not found)."""
        return self.resolve_groups(refs, fields).groups

    def iter_wall(self, owner_id: int, since: datetime, until: datetime) -> Iterator[dict]:
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
        reader = _WallReader(self, owner_id)
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

    def get_comments(
        self, owner_id: int, post_ids: Iterable[int]
    ) -> dict[int, CommentsResult]:
        """Every comment of each post, all reply branches included, deduplicated by id.

        Work is batched across posts through one queue: every execute request is filled with 25
        pages, further pages and reply branches joining the first pages of posts not yet read,
        so only the last request of a call goes out part-empty. Pages are
        read with sort=asc (new comments append, so offsets hold still) until a short page;
        `count` fields are not trusted as loop bounds. A post whose comments cannot be read
        (e.g. closed, 212) gets its typed error; stop errors are raised.
        """
        results = {pid: CommentsResult() for pid in post_ids}
        found: dict[int, dict[int, dict]] = {pid: {} for pid in results}
        pending = deque(_CommentsTask(pid, None, 0) for pid in results)
        batch_size = EXECUTE_LIMIT
        while pending:
            tasks = [pending.popleft() for _ in range(min(batch_size, len(pending)))]
            outcomes, batch_size = self._execute(
                [("wall.getComments", task.params(owner_id)) for task in tasks], batch_size
            )
            for task, outcome in zip(tasks, outcomes):
                result = results[task.post_id]
                if isinstance(outcome, (VkConfigError, VkQuotaExhausted)):
                    raise outcome
                if isinstance(outcome, VkError):
                    result.error = result.error or outcome
                    continue
                page = parse_comments_page(outcome)
                for item in page.items:
                    for comment in flatten_comment(item):
                        found[task.post_id][comment["id"]] = comment
                    thread = item.get("thread")
                    if task.comment_id is None and isinstance(thread, Mapping):
                        replies = thread.get("count") or 0
                        if replies > len(thread.get("items") or []):
                            pending.extend(_level_pages(task.post_id, item["id"], 0, replies))
                if task.reads_on and len(page.items) >= PAGE:
                    pending.extend(_level_pages(
                        task.post_id, task.comment_id, task.offset + len(page.items),
                        page.current_level_count,
                    ))
        for pid, result in results.items():
            result.items = [found[pid][cid] for cid in sorted(found[pid])]
        return results

    def get_posts(self, refs: Iterable[tuple[int, int]]) -> list[dict]:
        """Posts by (owner_id, post_id) through wall.getById, 100 per call, calls batched.

        Posts VK cannot show are left out, as VK does.
        """
        keys = [f"{owner}_{post}" for owner, post in refs]
        chunks = [keys[i: i + POSTS_PER_CALL] for i in range(0, len(keys), POSTS_PER_CALL)]
        posts: list[dict] = []
        for outcome in self.execute([("wall.getById", {"posts": ",".join(c)}) for c in chunks]):
            if isinstance(outcome, (VkConfigError, VkQuotaExhausted)):
                raise outcome
            if isinstance(outcome, VkError):
                continue
            items = outcome.get("items", []) if isinstance(outcome, Mapping) else outcome
            posts += list(items or [])
        return posts

    # ------------------------------------------------------------ internals
    def _call(self, method: str, params: Mapping[str, Any]) -> Any:
        if not _METHOD_NAME.match(method) and method != "execute":
            raise ValueError(f"not a VK method name: {method!r}")
        payload, _ = self._request(method, params, [method])
        return payload["response"]

    def _request(
        self, method: str, params: Mapping[str, Any], methods: Sequence[str]
    ) -> tuple[dict, _Token]:
        """One request with retries. `methods` are the API calls it makes (execute's too).

        Returns the envelope (without a top-level error) and the token that got it.
        """
        attempt = 0
        quota_methods = frozenset(methods)
        while True:
            token = self.tokens.acquire(quota_methods)
            self.stats.sent(token.label, methods)
            try:
                payload = self._post(method, params, token)
                unwrap(payload, method)
            except VkError as error:
                error.redact(self.tokens.secrets)
                self.stats.failed(error)
                if error.code in TOKEN_REJECTED_CODES:
                    self.tokens.drop(token, error)
                    continue
                if error.code in QUOTA_CODES:
                    self.tokens.rest(token, method)
                    continue
                if not isinstance(error, VkRetryLater):
                    raise
                attempt += 1
                if attempt > self.max_retries:
                    raise error.with_detail(f"gave up after {self.max_retries} retries") from None
                self.stats.retried()
                delay = self._backoff(attempt, error, token)
                pause = f"{token.label} pauses" if error.code == 6 else "in"
                self.log.warning(
                    "%s; retry %d/%d, %s %.2fs", error, attempt, self.max_retries, pause,
                    delay or self.rate_limited_pause_seconds,
                )
                time.sleep(delay)
                continue
            token.limiter.relax()
            return payload, token

    def _post(self, method: str, params: Mapping[str, Any], token: _Token) -> Any:
        # The token travels in the POST body, never in the URL, so no transport error,
        # proxy log or exception message that quotes the URL can carry it.
        data = {key: _form_value(value) for key, value in params.items()}
        data.update(access_token=token.secret, v=self.api_version)
        try:
            response = _session().post(
                f"{self.base_url}/{method}", data=data, timeout=self.timeout_seconds
            )
            if response.status_code != 200:
                raise VkRetryLater(None, f"HTTP {response.status_code}", method)
            return response.json()
        except requests.RequestException as exc:
            raise VkRetryLater(None, f"{type(exc).__name__}: {exc}", method) from None
        except ValueError:  # JSONDecodeError: a cut-off or non-JSON body
            raise VkRetryLater(None, "cut-off or non-JSON body", method) from None

    def _run_batch(self, calls: Sequence[tuple[str, dict]]) -> tuple[list[Any], bool]:
        """One execute request for `calls`; returns per-slot outcomes and whether it split."""
        methods = [m for m, _ in calls]
        try:
            payload, token = self._request(
                "execute", {"code": build_script(calls)}, ["execute", *methods]
            )
        except (VkSkipItem, VkSkipOwner) as error:
            # The batch failed as a whole: too large or too slow (12, 13, 36), or one of its
            # calls broke the script. Halves isolate the cause; single calls run plainly.
            if len(calls) == 1:
                method, params = calls[0]
                try:
                    return [_Settled(self._call(method, params))], True
                except (VkSkipItem, VkSkipOwner) as single_error:
                    return [_Settled(single_error)], True
            if error.code not in EXECUTE_FALLBACK_CODES:
                self.log.warning("%s; splitting the batch of %d", error, len(calls))
            middle = len(calls) // 2
            first, _ = self._run_batch(calls[:middle])
            second, _ = self._run_batch(calls[middle:])
            return first + second, True
        outcomes = unwrap_execute(payload, methods)
        for slot, outcome in enumerate(outcomes):
            if not isinstance(outcome, VkError):
                continue
            outcome.redact(self.tokens.secrets)
            self.stats.failed(outcome)
            if outcome.code in QUOTA_CODES:
                self.tokens.rest(token, methods[slot])
                outcomes[slot] = _Requeue()
            elif outcome.code in TOKEN_REJECTED_CODES:
                self.tokens.drop(token, outcome)
                outcomes[slot] = _Requeue()
        return outcomes, False

    def _backoff(self, attempt: int, error: VkError, token: _Token | None = None) -> float:
        if error.code == 6:
            # Too many requests per second: this token pauses and slows down; the pool's
            # acquire() does the waiting, so other tokens are not held up.
            if token is not None:
                token.limiter.penalize(self.rate_limited_pause_seconds)
                return 0.0
            return self.rate_limited_pause_seconds
        delay = min(self.backoff_max_seconds, self.backoff_base_seconds * 2 ** (attempt - 1))
        if error.code == 9:
            delay = min(self.backoff_max_seconds, delay * FLOOD_BACKOFF_FACTOR)
        return delay * self._random.uniform(0.5, 1.5)  # jitter: parallel workers drift apart


class _WallReader:
    """wall.get pages of one wall; `drop` is how many posts vanished since the last page."""

    def __init__(self, client: VkClient, owner_id: int) -> None:
        self._client = client
        self._owner_id = owner_id
        self.count: int | None = None
        self.drop = 0

    def read(self, offset: int) -> WallPage:
        response = self._client._call(
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


def build_script(calls: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """`return [API.m({...}), ...];` with JSON-encoded arguments."""
    parts = []
    for method, params in calls:
        args = {key: _script_value(value) for key, value in params.items()}
        parts.append(f"API.{method}({sjson_dumps(args)})")
    return "return [" + ",".join(parts) + "];"


def _script_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    return value


def _form_value(value: Any) -> str:
    value = _script_value(value)
    return value if isinstance(value, str) else str(value)


def _session() -> requests.Session:
    # One session per thread: connection reuse without sharing a Session across threads.
    session = getattr(_THREAD_LOCAL, "session", None)
    if session is None:
        session = _THREAD_LOCAL.session = requests.Session()
    return session


def _unix(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return int(value.timestamp())


def _date(item: Mapping) -> int:
    return int(item.get("date") or 0)  # old responses carried some numbers as strings


def _order(post: Mapping) -> tuple[int, int]:
    """A post's place on the wall: newer date first, then higher id."""
    return _date(post), int(post.get("id") or 0)
