"""The slice of VKScript the stand-in runs: `return API.m({...});` or `return [API.m({...}), ...];`.

Arguments must be JSON object literals, which is what clients that build scripts by
JSON-encoding parameters send. Anything else is a compile error (12), as a real syntax error
would be.
"""

from __future__ import annotations

import json
import re

_CALL = re.compile(r"API\.([A-Za-z]+(?:\.[A-Za-z]+)?)\s*\(\s*")
_DECODER = json.JSONDecoder()


class ScriptError(Exception):
    """The script does not compile (VK error 12)."""


def parse(code: str) -> tuple[list[tuple[str, dict]], bool]:
    """The API calls of a script, in order, and whether it returns a list."""
    text = code.strip()
    if not text.startswith("return"):
        raise ScriptError("script must start with return")
    pos = _skip(text, len("return"))
    calls: list[tuple[str, dict]] = []
    as_list = text.startswith("[", pos)
    if as_list:
        pos = _skip(text, pos + 1)
        while not text.startswith("]", pos):
            pos = _parse_call(text, pos, calls)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif not text.startswith("]", pos):
                raise ScriptError(f"expected , or ] at {pos}")
        pos = _skip(text, pos + 1)
    else:
        pos = _parse_call(text, pos, calls)
    if text.startswith(";", pos):
        pos = _skip(text, pos + 1)
    if pos != len(text):
        raise ScriptError(f"unexpected text at {pos}")
    return calls, as_list


def _parse_call(text: str, pos: int, calls: list[tuple[str, dict]]) -> int:
    match = _CALL.match(text, pos)
    if match is None:
        raise ScriptError(f"expected API.method( at {pos}")
    pos = match.end()
    args: dict = {}
    if not text.startswith(")", pos):
        try:
            args, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ScriptError(f"bad arguments at {pos}: {exc.msg}") from None
        if not isinstance(args, dict):
            raise ScriptError(f"arguments at {pos} are not an object")
        pos = _skip(text, pos)
    if not text.startswith(")", pos):
        raise ScriptError(f"expected ) at {pos}")
    calls.append((match.group(1), args))
    return _skip(text, pos + 1)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos
