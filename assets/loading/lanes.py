"""Communities read at once, one lane per stream of VK requests the live tokens allow.

A load reads each community with one request in flight at a time (a wall's pages follow one
another; comment batches wait for their replies), so throughput grows with communities read
together, not with anything done inside one. The client's token pool spaces every request
within its token's limits however many lanes ask; the lanes only keep the tokens busy.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Iterator, Sequence, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def in_lanes(items: Sequence[Item], work: Callable[[Item], Result],
             lanes: int) -> Iterator[tuple[Item, Result]]:
    """`work(item)` for every item in up to `lanes` threads, yielding (item, result) to the
    calling thread as each one finishes: what the lanes fetched, one thread can write.

    An exception of `work` (not a VK outcome: those are recorded inside it) reaches the caller;
    items not yet started are then cancelled and the running ones are waited for.
    """
    if lanes <= 1 or len(items) <= 1:
        for item in items:
            yield item, work(item)
        return
    with ThreadPoolExecutor(max_workers=min(lanes, len(items)),
                            thread_name_prefix="vk-lane") as pool:
        futures = {pool.submit(work, item): item for item in items}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()
