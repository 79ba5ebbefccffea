"""How long VK takes to answer: a base per request plus a share per API call and per item.

Off by default (tests answer in a millisecond); `VK_LIKE` resembles what VK's own servers take,
so throughput measured against the stand-in is bound by waiting the way a real load is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Latency:
    base_seconds: float = 0.0
    per_call_seconds: float = 0.0
    per_item_seconds: float = 0.0

    def of(self, calls: int, payload: dict) -> float:
        return (self.base_seconds + self.per_call_seconds * calls
                + self.per_item_seconds * _items(payload.get("response")))


NONE = Latency()
# An `execute` of 25 comment pages of 100 takes about half a second, a single call ~0.1 s.
VK_LIKE = Latency(base_seconds=0.09, per_call_seconds=0.012, per_item_seconds=0.00005)


def _items(response: Any) -> int:
    if isinstance(response, list):
        return sum(_items(part) if isinstance(part, (dict, list)) else 1 for part in response)
    if isinstance(response, dict):
        items = response.get("items")
        return len(items) if isinstance(items, list) else 0
    return 0
