"""Typed VK API errors, one class per reaction the loaders need, and reading VK's envelopes.

The grouping follows "Errors and the reaction they need" in the VK reference: a loader catches
the class, not the code. Messages name the method, the code and VK's text; request parameters
VK echoes are kept without `access_token`.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence


class VkError(Exception):
    """A VK API error. `code` is None for transport trouble (timeouts, HTTP 5xx, cut bodies)."""

    def __init__(
        self,
        code: int | None,
        message: str,
        method: str,
        *,
        request_params: Mapping[str, str] | None = None,
        detail: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.method = method
        self.request_params = dict(request_params or {})
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        what = f"error {self.code}" if self.code is not None else "transport error"
        text = f"VK {self.method}: {what}: {self.message}"
        return f"{text} ({self.detail})" if self.detail else text

    def with_detail(self, detail: str) -> "VkError":
        self.detail = f"{self.detail}; {detail}" if self.detail else detail
        self.args = (self.describe(),)
        return self

    def redact(self, secrets: Iterable[str], replacement: str = "<token>") -> "VkError":
        """Removes secrets from every text the error carries (defence in depth)."""
        secrets = [s for s in secrets if s]

        def clean(text: str | None) -> str | None:
            for secret in secrets:
                text = text.replace(secret, replacement) if text else text
            return text

        self.message = clean(self.message) or ""
        self.detail = clean(self.detail)
        self.request_params = {k: clean(v) or "" for k, v in self.request_params.items()}
        self.args = (self.describe(),)
        return self

    def __reduce__(self):  # keep errors picklable across Dagster's process boundaries
        return (
            _rebuild,
            (type(self), self.code, self.message, self.method, self.request_params, self.detail),
            {k: v for k, v in self.__dict__.items()
             if k not in ("code", "message", "method", "request_params", "detail")},
        )


def _rebuild(cls, code, message, method, request_params, detail):
    error = cls.__new__(cls)
    VkError.__init__(error, code, message, method, request_params=request_params, detail=detail)
    return error


class VkRetryLater(VkError):
    """Transient (1, 6, 9, 10, transport). Retried inside the client; raised once retries run out."""


class VkSkipOwner(VkError):
    """The community's wall cannot be read (closed, private, deleted, banned): skip the owner."""


class VkSkipItem(VkError):
    """This post, comment or parameter cannot be read: record why and move on."""


class VkConfigError(VkError):
    """Stop: the token or configuration is wrong, or a person must act (captcha, validation)."""


class VkTokensRejected(VkConfigError):
    """Stop: VK rejected every configured token (5, 28, 1117); the message names each by label."""

    def describe(self) -> str:
        text = f"VK tokens rejected: {self.message}"
        return f"{text} ({self.detail})" if self.detail else text


class VkQuotaExhausted(VkError):
    """Stop: every token has used up its daily quota for the method. `retry_at`: unix time."""

    def __init__(self, *args: Any, retry_at: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_at = retry_at


RETRY_LATER_CODES = frozenset({1, 6, 9, 10})
SKIP_OWNER_CODES = frozenset({15, 18, 19, 30, 200, 203, 3610})
SKIP_ITEM_CODES = frozenset({100, 104, 113, 125, 210, 211, 212})
CONFIG_CODES = frozenset({5, 7, 8, 14, 17, 23, 27, 28, 1117})
QUOTA_CODES = frozenset({29})
# The token itself is dead (invalid, app auth failed, expired): drop it, the others may work.
TOKEN_REJECTED_CODES = frozenset({5, 28, 1117})
# Error 28 with this text answers `execute` sent with a service token (VK runs execute only for
# user and community tokens): the token works, one method per request.
SERVICE_TOKEN_TEXT = "unavailable with service token"
# An execute batch could not run as a whole (compile, runtime incl. too large, timeout).
EXECUTE_FALLBACK_CODES = frozenset({12, 13, 36})

_CLASSES: list[tuple[frozenset[int], type[VkError]]] = [
    (RETRY_LATER_CODES, VkRetryLater),
    (SKIP_OWNER_CODES, VkSkipOwner),
    (SKIP_ITEM_CODES, VkSkipItem),
    (CONFIG_CODES, VkConfigError),
    (QUOTA_CODES, VkQuotaExhausted),
]


def refuses_execute(error: VkError, method: str) -> bool:
    """VK's answer to `execute` with a service token (the token itself is fine)."""
    return method == "execute" and error.code == 28 and SERVICE_TOKEN_TEXT in error.message.lower()


def error_class(code: int | None) -> type[VkError]:
    """The class for a code. Unknown codes skip the item: a new per-item refusal should not
    stop a whole load, and the loader records the code it could not place."""
    if code is None:
        return VkRetryLater
    for codes, cls in _CLASSES:
        if code in codes:
            return cls
    return VkSkipItem


def error_from_vk(body: Mapping[str, Any], method: str) -> VkError:
    """A typed error from VK's `{"error_code", "error_msg", "request_params"}` body."""
    try:
        code: int | None = int(body.get("error_code"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        code = None
    message = str(body.get("error_msg") or "no message")
    params = _request_params(body.get("request_params"))
    return error_class(code)(code, message, method, request_params=params)


def unwrap(payload: Any, method: str) -> Any:
    """The `response` of a VK envelope, or the typed error it carries."""
    if not isinstance(payload, dict):
        raise VkRetryLater(None, "reply is not a VK envelope", method)
    if "error" in payload:
        error = payload["error"]
        if not isinstance(error, Mapping):
            raise VkRetryLater(None, f"malformed error body {error!r:.200}", method)
        raise error_from_vk(error, method)
    if "response" not in payload:
        raise VkRetryLater(None, "reply has neither response nor error", method)
    return payload["response"]


def unwrap_execute(payload: Any, methods: Sequence[str]) -> list[Any]:
    """Per-call results of an execute of `methods` (in order): values or typed errors.

    A failing sub-call leaves `false` in its slot and an entry in `execute_errors`; when every
    sub-call fails VK answers `"response": null`. Entries are matched to `false` slots in order,
    by method name first, since VK may add entries of its own (method "execute").
    """
    response = unwrap(payload, "execute")
    if response is None:
        results: list[Any] = [False] * len(methods)
    elif isinstance(response, list) and len(response) == len(methods):
        results = list(response)
    elif len(methods) == 1:
        results = [response]
    else:
        raise VkRetryLater(
            None, f"execute answered {_shape(response)} for {len(methods)} calls", "execute"
        )
    errors = [
        error_from_vk(entry, str(entry.get("method") or "execute"))
        for entry in payload.get("execute_errors") or []
        if isinstance(entry, Mapping)
    ]
    for slot, method in enumerate(methods):
        if results[slot] is not False:
            continue
        match = next((e for e in errors if e.method == method), None)
        if match is None and errors:
            match = errors[0]
        if match is None:
            match = VkRetryLater(None, "sub-call failed without an execute_errors entry", method)
        else:
            errors.remove(match)
            match.method = method
            match.args = (match.describe(),)
        results[slot] = match
    return results


def _request_params(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        pairs = raw.items()
    elif isinstance(raw, list):
        pairs = [(p.get("key"), p.get("value")) for p in raw if isinstance(p, Mapping)]
    else:
        return {}
    return {str(k): str(v) for k, v in pairs if k is not None and str(k) != "access_token"}


def _shape(value: Any) -> str:
    return f"a list of {len(value)}" if isinstance(value, list) else type(value).__name__
