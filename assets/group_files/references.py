"""One piece of text as a VK community reference: links, club123, @name, -123, ids.

A reference is a numeric id or a lower-cased screen name, nothing more; whether VK knows
the community is for groups.getById to say later. Every rejection carries a reason a
person can act on, because it ends up next to their line in vk.group_upload_lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# A VK link with a query string is well under this; anything longer is pasted prose or junk,
# and refusing it early keeps reasons short and regexes cheap.
REFERENCE_TEXT_LIMIT = 255
# VK's current rules say 5..32 characters, but old communities keep shorter names and
# the API accepts them, so we are deliberately lenient on both ends.
SCREEN_NAME_MIN = 2
SCREEN_NAME_MAX = 64
# Community ids are ~2.3e8 today; twelve digits leaves decades of headroom while still
# rejecting phone numbers, timestamps in ms and similar long digit runs.
GROUP_ID_MAX = 10**12 - 1
_GROUP_ID_MAX_DIGITS = len(str(GROUP_ID_MAX))


@dataclass(frozen=True)
class GroupReference:
    """A community named either by numeric id or by (lower-cased) screen name."""

    group_id: int | None
    screen_name: str | None

    def __post_init__(self) -> None:
        # Exactly one of the two must be set, otherwise ``key`` would be ambiguous.
        if (self.group_id is None) == (self.screen_name is None):
            raise ValueError("GroupReference needs exactly one of group_id or screen_name")
        if self.group_id is not None and self.group_id <= 0:
            raise ValueError(f"group_id must be positive, got {self.group_id}")
        if self.screen_name is not None and self.screen_name != self.screen_name.lower():
            raise ValueError(f"screen_name must be lower-case, got {self.screen_name!r}")

    @property
    def key(self) -> str:
        """Dedupe key: ``"id:123"`` or ``"name:apiclub"``."""
        if self.group_id is not None:
            return f"id:{self.group_id}"
        return f"name:{self.screen_name}"

    @property
    def api_ref(self) -> str:
        """What to pass to groups.getById (``group_ids``): ``"123"`` or ``"apiclub"``."""
        if self.group_id is not None:
            return str(self.group_id)
        assert self.screen_name is not None
        return self.screen_name


class InvalidGroupReference(ValueError):
    """A single piece of text is not a VK community reference; the message says why."""


# Characters that surround pasted values: spreadsheet/Word "smart" quotes, angle brackets
# from e-mail clients, BOMs and zero-width characters that survive copy-paste.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00a0"
EDGE_JUNK = " \t\r\n\f\v" + _INVISIBLE + "\"'`«»“”„‘’<>"
# Trailing sentence punctuation from lists like "vk.com/apiclub, vk.com/durov." — never
# part of a screen name (which cannot end with a dot) or a numeric id.
_TRAILING_PUNCT = ".,;"

_VK_HOST_RE = re.compile(r"^(?:(?:www|m|mobile|new)\.)?(?:vk\.com|vk\.ru|vkontakte\.ru)$")
_VK_URL_RE = re.compile(
    r"^(?:https?:)?(?://)?(?:(?:www|m|mobile|new)\.)?(?:vk\.com|vk\.ru|vkontakte\.ru)(?::\d+)?"
    r"(/[^?#]*)?(?:\?([^#]*))?(?:#.*)?$",
    re.IGNORECASE,
)
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# "host.tld/..." without a scheme: something with a dot before the first slash.
_SCHEMELESS_URL_RE = re.compile(r"^[^/\s@]+\.[^/\s]+/")
# VK's own mention markup: "[club123|API Club]" or "[apiclub|API Club]".
_MENTION_RE = re.compile(r"^\[([^|\]\s]+)\|[^\]]*\]$")
_NUMERIC_RE = re.compile(r"^-?\d+$")
_COMMUNITY_PREFIX_RE = re.compile(r"^(club|public|event)(\d+)$")
# Object addresses such as wall-1_2, photo-1_456, topic-1_2, market-1, videos-1:
# a negative owner id is a community, a positive one a user.
_OWNED_OBJECT_RE = re.compile(
    r"^(wall|photo|photos|album|albums|video|videos|audio|audios|topic|board|market|product|"
    r"doc|docs|page|note|notes|poll|clip|clips|story|podcast|podcasts|playlist|wiki)(-?)(\d+)(?:_\d+)*$"
)
_SCREEN_NAME_RE = re.compile(r"^[a-z0-9_.]+$")
_WHITESPACE_RE = re.compile(r"\s")

# Top-level vk.com paths that are site sections rather than communities. groups.getById
# would either fail on them or, worse, resolve some to an unrelated community, so we stop
# them here with a clear reason. Kept small on purpose: an over-eager list would reject
# real communities, while anything we miss is still caught by the API lookup later.
_RESERVED_NAMES = frozenset(
    {
        "feed", "im", "search", "wall", "friends", "groups", "photos", "videos", "video",
        "audio", "audios", "music", "messages", "mail", "settings", "edit", "apps", "games",
        "docs", "pages", "login", "join", "restore", "support", "help", "about", "terms",
        "privacy", "dev", "blog", "jobs", "ads", "notifications", "bookmarks", "fave",
        "stats", "id", "club", "public", "event", "app", "away.php", "share.php",
        "al_feed.php", "clips", "podcasts", "services", "discover",
    }
)
# Bare "word.tld" without a slash: only these TLDs are treated as foreign domains, because
# dots are legal inside VK screen names ("ivan.petrov") and we must not reject those.
_FOREIGN_TLDS = frozenset(
    {"com", "ru", "org", "net", "info", "io", "me", "su", "ua", "by", "kz", "рф", "de", "uk",
     "us", "co", "tv", "biz", "app", "dev", "site", "online", "pro", "ly", "gl"}
)


@dataclass(frozen=True)
class Parsed:
    reference: GroupReference | None
    reason: str | None
    # "Strong" means the text could only be a community reference (a VK link, club123,
    # @name, -123); a bare word or number might just be a title or a row counter. Column
    # detection relies on the difference.
    strong: bool = False
    blank: bool = False


# A spreadsheet formula is text only where the file kept no value for it (XLSX written by a
# program, or a sheet exported with formulas shown).
FORMULA_REASON = ("the cell held a formula, not a value (the file keeps no result for it): "
                  "save the sheet with values, e.g. copy and paste as values")


def shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean(text: str) -> str:
    text = text.strip(EDGE_JUNK)
    # Tabs and no-break spaces inside pasted values are almost always separators.
    text = text.replace("\t", " ").replace("\u00a0", " ")
    for ch in _INVISIBLE:
        text = text.replace(ch, "")
    while text and text[-1] in _TRAILING_PUNCT:
        text = text[:-1].rstrip(EDGE_JUNK)
    return text.strip(EDGE_JUNK)


def _ok(ref: GroupReference, strong: bool) -> Parsed:
    return Parsed(ref, None, strong)


def _bad(reason: str, original: str) -> Parsed:
    return Parsed(None, f"{reason}: {shorten(original)}")


def _id_reference(digits: str, original: str, strong: bool) -> Parsed:
    if len(digits.lstrip("0")) > _GROUP_ID_MAX_DIGITS:
        return _bad("numeric id out of range", original)
    value = int(digits)
    if value == 0:
        return _bad("invalid community id 0", original)
    return _ok(GroupReference(group_id=value, screen_name=None), strong)


def _parse_token(token: str, original: str, *, strong: bool) -> Parsed:
    """A single path segment or bare word: club123, -123, 123, apiclub, id123, wall-1_2..."""
    token = token.lower()
    if not token:
        return _bad("empty reference", original)

    if _NUMERIC_RE.match(token):
        # "-123" is how VK writes community owner ids, so the sign makes it unambiguous.
        return _id_reference(token.lstrip("-"), original, strong or token.startswith("-"))

    match = _COMMUNITY_PREFIX_RE.match(token)
    if match:
        return _id_reference(match.group(2), original, True)

    if re.match(r"^id\d+$", token):
        return _bad("user profile, not a community", original)
    if re.match(r"^app\d+$", token):
        return _bad("VK app, not a community", original)
    if re.match(r"^write-?\d+$", token):
        return _bad("private message link, not a community", original)

    match = _OWNED_OBJECT_RE.match(token)
    if match:
        kind, minus, owner = match.groups()
        # Discussion boards are addressed by the positive group id (board123).
        if minus or kind == "board":
            return _id_reference(owner, original, True)
        return _bad(f"{kind} of a user, not a community", original)

    if token in _RESERVED_NAMES:
        return _bad("VK site section, not a community", original)
    if token.endswith(".php"):
        return _bad("VK service page, not a community", original)
    if not _SCREEN_NAME_RE.match(token):
        return _bad("invalid screen name (allowed: latin letters, digits, _ and .)", original)
    if len(token) < SCREEN_NAME_MIN:
        return _bad("screen name too short", original)
    if len(token) > SCREEN_NAME_MAX:
        return _bad(f"screen name too long ({len(token)} characters)", original)
    if token.startswith(".") or token.endswith(".") or ".." in token:
        return _bad("invalid screen name (misplaced dot)", original)
    if not re.search(r"[a-z]", token):
        return _bad("invalid screen name (no letters)", original)
    return _ok(GroupReference(group_id=None, screen_name=token), strong)


def _split_vk_url(text: str) -> tuple[str, str] | None:
    """(path, query) of a VK link, or None when the link points elsewhere."""
    match = _VK_URL_RE.match(text)
    if match:
        # The common case, without urlsplit's overhead (it dominates large uploads).
        return match.group(1) or "", match.group(2) or ""
    candidate = text if _SCHEME_RE.match(text) else "https://" + text.lstrip("/")
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _VK_HOST_RE.match(host):
        return None
    return parts.path, parts.query


def _parse_url(text: str, original: str) -> Parsed:
    split = _split_vk_url(text)
    if split is None:
        return _bad("not a VK community link", original)
    path, query = split

    segments = [s for s in path.split("/") if s]
    first = segments[0] if segments else ""
    if first.startswith("@"):
        # vk.com/@apiclub-article-slug: an article of community "apiclub". Hyphens never
        # occur in screen names, so the slug is safe to cut off.
        first = first[1:].split("-", 1)[0]

    if first:
        parsed = _parse_token(first, original, strong=True)
        if parsed.reference is not None or first.lower() not in _RESERVED_NAMES:
            return parsed
    # vk.com/feed?w=wall-1_2 or vk.com/?w=wall-1_2: the post is opened as an overlay on
    # some other page; the "w" parameter then holds the real object.
    for overlay in parse_qs(query).get("w", []):
        parsed = _parse_token(overlay, original, strong=True)
        if parsed.reference is not None:
            return parsed
    if not first:
        return _bad("VK link without a community name", original)
    return _parse_token(first, original, strong=True)


def _looks_like_url(text: str) -> bool:
    lowered = text.lower()
    if _SCHEME_RE.match(lowered) or lowered.startswith("//") or lowered.startswith("www."):
        return True
    if _SCHEMELESS_URL_RE.match(lowered):
        return True
    # A bare host such as "vk.com" or "google.com" (no path at all).
    if "/" not in lowered and "." in lowered:
        if _VK_HOST_RE.match(lowered):
            return True
        return lowered.rsplit(".", 1)[1] in _FOREIGN_TLDS
    return False


def parse_text(text: str) -> Parsed:
    # Reasons quote the value as received (only its surrounding whitespace and invisible
    # characters dropped): a person searching the file for "<script>" must find it.
    original = text.strip(" \t\r\n\f\v" + _INVISIBLE)
    text = clean(text)
    if not text:
        return Parsed(None, None, blank=True)
    if text.startswith("="):
        return _bad(FORMULA_REASON, original)
    if len(text) > REFERENCE_TEXT_LIMIT:
        return _bad(f"too long to be a VK community reference ({len(text)} characters)", shorten(original, 60))

    match = _MENTION_RE.match(text)
    if match:
        return _parse_token(match.group(1), original, strong=True)

    if _WHITESPACE_RE.search(text):
        # "vk.com/apiclub API Club" (a reference followed by a title) is common in TXT
        # lists; accept it only when the first word is unmistakably a community, so that
        # "hello world" does not turn into the screen name "hello".
        word = text.split()[0]
        first = _parse_single_word(word, original)
        # A link's own verdict ("user profile...") says more than a generic one.
        if first.strong or _looks_like_url(word):
            return first
        return _bad("not a VK community reference", original)
    return _parse_single_word(text, original)


def _parse_single_word(text: str, original: str) -> Parsed:
    if _looks_like_url(text):
        return _parse_url(text, original)
    if text.startswith("@"):
        return _parse_token(text[1:], original, strong=True)
    return _parse_token(text, original, strong=False)


def parse_reference(text: str) -> GroupReference:
    """Parse one piece of text (a link, club123, @name, -123...) into a reference.

    Raises ``InvalidGroupReference`` with a human-readable reason otherwise.
    """
    parsed = parse_text(text)
    if parsed.reference is None:
        raise InvalidGroupReference(parsed.reason or "empty reference")
    return parsed.reference

