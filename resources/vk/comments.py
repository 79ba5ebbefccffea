"""Reading every comment of many posts, reply branches included, through shared execute batches."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Mapping

from resources.vk.batching import EXECUTE_LIMIT, BatchRunner
from resources.vk.errors import VkConfigError, VkError, VkQuotaExhausted
from resources.vk.shapes import PAGE, CommentsResult, flatten_comment, parse_comments_page

THREAD_PREVIEW = 10  # thread_items_count maximum
# Pages of one comment level requested ahead of its announced size; reading on past them
# still follows the short-page rule, so a wrong count costs requests, never comments.
PAGES_AHEAD = 50


def get_comments(
    batches: BatchRunner, owner_id: int, post_ids: Iterable[int]
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
        outcomes, batch_size = batches.run(
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
