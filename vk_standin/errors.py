"""VK API errors as the stand-in raises and serialises them."""

from __future__ import annotations

from typing import Any, Mapping

MESSAGES = {
    1: "Unknown error occurred",
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    8: "Invalid request: versions below 5.81 are deprecated",
    9: "Flood control",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation",
    15: "Access denied: this wall available only for community members",
    18: "User was deleted or banned",
    # VK's words for execute with a service token (vk-io issues #18, #19; VKCOM/vk-java-sdk #86).
    28: "Application authorization failed: method is unavailable with service token.",
    29: "Rate limit reached",
    30: "This profile is private",
    100: "One of the parameters specified was missing or invalid",
    212: "Access to post comments denied",
}


class ApiError(Exception):
    def __init__(self, code: int, detail: str | None = None) -> None:
        self.code = code
        base = MESSAGES.get(code, "Unknown error occurred")
        self.msg = f"{base}: {detail}" if detail else base
        super().__init__(self.msg)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> "ApiError":
        """An error taken verbatim from a recorded VK error body."""
        error = cls(int(body["error_code"]))
        error.msg = str(body.get("error_msg", error.msg))
        return error


def error_envelope(error: ApiError, method: str, params: Mapping[str, Any]) -> dict:
    """VK's error body. VK echoes the request parameters, but never the access token."""
    echoed = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
    echoed += [
        {"key": key, "value": str(value)}
        for key, value in params.items()
        if key != "access_token" and key != "code"
    ]
    return {"error": {"error_code": error.code, "error_msg": error.msg, "request_params": echoed}}
