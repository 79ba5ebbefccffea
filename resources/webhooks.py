"""Webhook calls: one JSON POST, its outcome as a value (never an exception), and webhook URLs
as they may be shown in logs and the UI (credentials masked)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

# A receiver slower than this is treated as failed; the hits stay in the outbox for the next
# load, and the load's own run is not held up by a hanging endpoint.
TIMEOUT_SECONDS = 10.0
USER_AGENT = "vk-analytics-watches/1"


@dataclass(frozen=True)
class Delivery:
    ok: bool
    status: int | None = None
    error: str | None = None


def mask_url(url: str) -> str:
    """The URL with everything that can be a credential hidden: user and password, the path
    (Slack-style hooks carry their secret there) and the query string."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    path = "/***" if parts.path not in ("", "/") else parts.path
    query = "?***" if parts.query else ""
    return f"{parts.scheme}://{'***@' if parts.username or parts.password else ''}{host}{port}{path}{query}"


def post_json(url: str, payload: dict, idempotency_key: str,
              timeout: float = TIMEOUT_SECONDS) -> Delivery:
    """POST `payload` as JSON; ok for any 2xx answer. The Idempotency-Key lets a receiver drop
    a batch it has seen when an answer was lost on the way back and the batch comes again."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "Idempotency-Key": idempotency_key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
            return Delivery(200 <= answer.status < 300, answer.status,
                            None if 200 <= answer.status < 300 else f"HTTP {answer.status}")
    except urllib.error.HTTPError as error:
        return Delivery(False, error.code, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        # Messages of URL errors may quote the URL: only the masked one is kept.
        reason = getattr(error, "reason", error)
        return Delivery(False, None, f"{type(error).__name__}: {str(reason).replace(url, mask_url(url))}")
