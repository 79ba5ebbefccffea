"""Parse uploaded "group files": lists of VK communities as CSV, TSV, TXT or XLSX.

Pure Python (plus openpyxl for XLSX), no network. The goal is to never lose a good line
because of a bad one: every non-blank, non-comment line comes back as an ``UploadLine``
with either a ``GroupReference`` to resolve later or an outcome saying why it was set
aside. Only files that are not lists at all (empty, binary, too large, broken workbooks,
markup documents) are refused as a whole with ``UploadRefused``.

Format is decided by content first and by the file name's extension second. Extensions
lie in both directions in practice (web apps export tab-separated text as ".xls", people
rename workbooks to ".csv", phones upload files without any extension), so we sniff what
the bytes are; only a file whose content is a perfectly good list but whose extension
names some other kind of document (".json", ".docx", ...) is refused because of the name.

Resolution against the VK API (groups.getById) is later code's job. In particular a
numeric id and a screen name of the same community can only be recognised as one group
after that call, so duplicates here are detected per ``GroupReference.key`` only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Iterable, Iterator
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "GroupReference",
    "InvalidGroupReference",
    "ParsedUpload",
    "UploadLine",
    "UploadRefused",
    "parse_group_file",
    "parse_reference",
    "OUTCOME_UNPARSEABLE",
    "OUTCOME_DUPLICATE",
]

OUTCOME_UNPARSEABLE = "unparseable"
OUTCOME_DUPLICATE = "duplicate"

RAW_TEXT_LIMIT = 1000
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
# An XLSX is a ZIP; cap what it may expand to so a tiny "zip bomb" cannot eat the worker.
XLSX_MAX_UNCOMPRESSED = 200_000_000
# Group lists have a handful of columns; reading more only costs time on wide sheets.
MAX_XLSX_COLUMNS = 50

# Delimiter and column detection look at this many rows; lists are uniform enough.
DETECTION_SAMPLE_ROWS = 2000
# Lines longer than this are never rows of a group list; don't hand them to the csv module
# (which also has its own 128 KiB field limit).
MAX_DELIMITED_LINE = 10_000

ACCEPTED_EXTENSIONS = frozenset({"", "csv", "tsv", "txt", "text", "list", "lst", "xlsx", "xlsm", "xls"})


# --------------------------------------------------------------------------------------
# Public data model
# --------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class UploadLine:
    line_no: int
    raw_text: str
    reference: GroupReference | None
    outcome: str | None
    reason: str | None


@dataclass(frozen=True)
class ParsedUpload:
    file_name: str
    content_hash: str
    size_bytes: int
    lines: list[UploadLine]

    @property
    def references(self) -> list[GroupReference]:
        """Unique references in first-seen order (duplicates and junk excluded)."""
        seen: set[str] = set()
        unique: list[GroupReference] = []
        for line in self.lines:
            ref = line.reference
            if ref is None or line.outcome is not None or ref.key in seen:
                continue
            seen.add(ref.key)
            unique.append(ref)
        return unique


class UploadRefused(ValueError):
    """The file is not a list of communities at all; the message says why."""


class InvalidGroupReference(ValueError):
    """A single piece of text is not a VK community reference; the message says why."""


# --------------------------------------------------------------------------------------
# Single reference parsing
# --------------------------------------------------------------------------------------

# Characters that surround pasted values: spreadsheet/Word "smart" quotes, angle brackets
# from e-mail clients, BOMs and zero-width characters that survive copy-paste.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00a0"
_EDGE_JUNK = " \t\r\n\f\v" + _INVISIBLE + "\"'`«»“”„‘’<>"
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
class _Parsed:
    reference: GroupReference | None
    reason: str | None
    # "Strong" means the text could only be a community reference (a VK link, club123,
    # @name, -123); a bare word or number might just be a title or a row counter. Column
    # detection relies on the difference.
    strong: bool = False
    blank: bool = False


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(text: str) -> str:
    text = text.strip(_EDGE_JUNK)
    # Tabs and no-break spaces inside pasted values are almost always separators.
    text = text.replace("\t", " ").replace("\u00a0", " ")
    for ch in _INVISIBLE:
        text = text.replace(ch, "")
    while text and text[-1] in _TRAILING_PUNCT:
        text = text[:-1].rstrip(_EDGE_JUNK)
    return text.strip(_EDGE_JUNK)


def _ok(ref: GroupReference, strong: bool) -> _Parsed:
    return _Parsed(ref, None, strong)


def _bad(reason: str, original: str) -> _Parsed:
    return _Parsed(None, f"{reason}: {_short(original)}")


def _id_reference(digits: str, original: str, strong: bool) -> _Parsed:
    if len(digits.lstrip("0")) > _GROUP_ID_MAX_DIGITS:
        return _bad("numeric id out of range", original)
    value = int(digits)
    if value == 0:
        return _bad("invalid community id 0", original)
    return _ok(GroupReference(group_id=value, screen_name=None), strong)


def _parse_token(token: str, original: str, *, strong: bool) -> _Parsed:
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


def _parse_url(text: str, original: str) -> _Parsed:
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


def _parse_text(text: str) -> _Parsed:
    text = _clean(text)
    # Reasons quote the cleaned value: stray quotes/BOMs would only confuse the reader.
    original = text
    if not text:
        return _Parsed(None, None, blank=True)
    if len(text) > REFERENCE_TEXT_LIMIT:
        return _bad(f"too long to be a VK community reference ({len(text)} characters)", _short(text, 60))

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


def _parse_single_word(text: str, original: str) -> _Parsed:
    if _looks_like_url(text):
        return _parse_url(text, original)
    if text.startswith("@"):
        return _parse_token(text[1:], original, strong=True)
    return _parse_token(text, original, strong=False)


def parse_reference(text: str) -> GroupReference:
    """Parse one piece of text (a link, club123, @name, -123...) into a reference.

    Raises ``InvalidGroupReference`` with a human-readable reason otherwise.
    """
    parsed = _parse_text(text)
    if parsed.reference is None:
        raise InvalidGroupReference(parsed.reason or "empty reference")
    return parsed.reference


# --------------------------------------------------------------------------------------
# File sniffing and decoding
# --------------------------------------------------------------------------------------

# Order matters: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)

_BINARY_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    # The OLE container holds legacy .xls/.doc and also password-protected .xlsx files.
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     "a legacy Excel .xls / Word .doc or a password-protected Office file; save it as .xlsx or .csv"),
)

_MARKUP_PREFIXES = (
    ("<!doctype html", "an HTML page"),
    ("<html", "an HTML page"),
    ("<?xml", "an XML document"),
    ("{\\rtf", "an RTF document; save it as plain text"),
)


def _extension(file_name: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


def _sniff_binary(data: bytes) -> str | None:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return what
    if data[8:12] == b"WEBP" and data.startswith(b"RIFF"):
        return "a WEBP image"
    if data[4:8] == b"ftyp":
        return "a video file"
    return None


# Unicode category Cc minus the whitespace controls (\t \n \v \f \r) real text files use.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# What Russian/English text in Windows-1251 consists of; see _plausible_cp1251.
_NOT_CP1251_TEXT_RE = re.compile("[^\x00-\x7f\u0400-\u04ff«»—–№…“”„‘’•\u00a0]")


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROL_RE.findall(text)) / len(text)


def _plausible_cp1251(text: str) -> bool:
    # cp1251 maps nearly every byte to *some* character, so a successful decode proves
    # nothing. Real Russian text is ASCII plus Cyrillic letters and a few typographic
    # signs; random bytes decoded this way are only ~65% such characters.
    return len(_NOT_CP1251_TEXT_RE.findall(text)) <= 0.05 * len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    # Some tools write UTF-16 without a BOM. ASCII-heavy UTF-16 has a NUL in every other
    # byte, which we detect before declaring the file binary.
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    for codec, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls >= 0.3 * half and other == 0:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text and _control_ratio(text) < 0.01:
                return text
    return None


def _decode_text(data: bytes, ext: str) -> str:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            # A BOM is a deliberate declaration; a few broken bytes (a truncated last
            # character, a bad paste) must not cost the user the whole file.
            text = data[len(bom):].decode(codec, errors="replace")
            if text.count("\ufffd") > max(3, len(text) // 100):
                raise UploadRefused(f"the file starts with a {label} byte-order mark but is not valid {label} text")
            break
    else:
        if b"\x00" in data:
            # NUL is valid UTF-8 and cp1251 would decode it too, so test before decoding.
            text = _utf16_without_bom(data) or ""
            if not text:
                raise UploadRefused(_binary_message("contains NUL bytes, so it is a binary file", ext))
        else:
            text = _decode_utf8_or_cp1251(data, ext)

    if "\x00" in text or _control_ratio(text) > 0.05:
        raise UploadRefused(_binary_message("contains binary control characters", ext))
    return text


def _decode_utf8_or_cp1251(data: bytes, ext: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    valid_non_ascii = sum(1 for ch in lenient if not ch.isascii()) - broken
    # Real UTF-8 with a few damaged bytes still has plenty of valid multi-byte characters;
    # Windows-1251 text read as UTF-8 has almost none (its letters are single bytes).
    if valid_non_ascii > 0 and broken <= 3 + valid_non_ascii // 20:
        return lenient
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:  # 0x98 is the one byte cp1251 leaves undefined
        text = ""
    if text and _plausible_cp1251(text):
        return text
    raise UploadRefused(_binary_message("is neither UTF-8 nor Windows-1251 text (undecodable bytes)", ext))


def _binary_message(what: str, ext: str) -> str:
    # Naming the extension helps when a user picked e.g. a renamed binary "groups.csv".
    hint = f" despite its .{ext} name" if ext in ACCEPTED_EXTENSIONS and ext else ""
    return f"the file {what}{hint}; upload a CSV, TSV, TXT or XLSX list of VK communities"


def _sniff_markup(text: str) -> str | None:
    head = text.lstrip(" \t\r\n\ufeff")[:200].lower()
    for prefix, what in _MARKUP_PREFIXES:
        if head.startswith(prefix):
            return what
    if head[:1] in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            return None
        return "JSON data"
    return None


# --------------------------------------------------------------------------------------
# Rows, header and column detection
# --------------------------------------------------------------------------------------


@dataclass
class _Row:
    line_no: int
    cells: list[str]
    # Column detection and line building both parse the same cells; parse each once.
    parsed: dict[int, _Parsed] = field(default_factory=dict)


def _is_comment(row: _Row) -> bool:
    for cell in row.cells:
        stripped = cell.strip(_EDGE_JUNK)
        if stripped:
            return stripped.startswith("#") or stripped.startswith("//")
    return False


def _is_blank(row: _Row) -> bool:
    return not any(c.strip(_EDGE_JUNK) for c in row.cells)


_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")


def _text_rows(text: str) -> list[_Row]:
    # Not str.splitlines(): it also splits on \x0b, \x1c, \u2028..., which would shift
    # the physical line numbers users see in their editors.
    physical = _LINE_SPLIT_RE.split(text)
    sample = []
    for line in physical:
        if line.strip(_EDGE_JUNK) and not _is_comment(_Row(0, [line])):
            sample.append(line)
            if len(sample) >= DETECTION_SAMPLE_ROWS:
                break
    delimiter = _pick_delimiter(sample)
    rows = []
    for index, line in enumerate(physical, start=1):
        if delimiter is None or delimiter not in line or len(line) > MAX_DELIMITED_LINE:
            cells = [line]
        else:
            # One physical line per record: group lists never need multi-line quoted cells,
            # and this keeps line numbers exact even if a stray quote is unbalanced.
            cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [""]) or [""]
        rows.append(_Row(index, cells))
    return rows


def _pick_delimiter(lines: list[str]) -> str | None:
    """Tab, semicolon or comma if at least half of the content lines use it, else None."""
    lines = [ln for ln in lines if len(ln) <= MAX_DELIMITED_LINE]
    if not lines:
        return None
    best: tuple[int, str] | None = None
    # Tab and semicolon first: they never appear in VK links, a comma occasionally might.
    for delimiter in ("\t", ";", ","):
        count = sum(
            1
            for ln in lines
            if delimiter in ln and len(next(csv.reader([ln], delimiter=delimiter), [])) > 1
        )
        if count * 2 >= len(lines) and (best is None or count > best[0]):
            best = (count, delimiter)
    return best[1] if best else None


# Header vocabulary with a priority: where several columns are headed like references,
# a link column beats a group column beats a screen-name column beats an id (often just a
# row counter) beats a name (often a human-readable title).
# Each rank: (words that count only as the whole cell, words that count anywhere in a
# multi-word header like "Ссылка на группу", prefixes that count anywhere). Short or
# ambiguous words ("club", "vk", "id", "name") are whole-cell only, so a first-row title
# such as "Book Club" is not mistaken for a header.
_HEADER_VOCABULARY: tuple[tuple[int, frozenset[str], frozenset[str], tuple[str, ...]], ...] = (
    (0, frozenset({"vk", "вк"}), frozenset({"href", "url", "urls", "link", "links"}), ("ссылк", "адрес", "address")),
    (1, frozenset({"club", "public", "page", "страница"}),
     frozenset({"group", "groups", "community", "communities"}), ("групп", "сообществ", "паблик")),
    (2, frozenset(), frozenset({"screen_name", "screenname", "domain", "домен"}), ()),
    (3, frozenset({"id", "ids", "gid", "owner_id", "group_id", "groupid"}), frozenset(), ()),
    (4, frozenset({"name", "names", "имя", "title"}), frozenset(), ("назван",)),
)
# Single words that are syntactically valid screen names but are accepted as a header.
_HEADER_SCREEN_NAME_LIKE = frozenset().union(*(cell | words for _, cell, words, _p in _HEADER_VOCABULARY))


def _header_rank(cell: str) -> int | None:
    text = _clean(cell).lower().rstrip(":")
    if not text or len(text) > 40 or "/" in text or "." in text:
        return None
    if _parse_text(text).reference is not None and text not in _HEADER_SCREEN_NAME_LIKE:
        # A single latin word that is a valid screen name ("linkinpark", "groupon") is a
        # community, not a header, unless it is exactly a header word.
        return None
    words = re.findall(r"[a-zа-яё_]+", text)
    for rank, cell_words, any_words, _prefixes in _HEADER_VOCABULARY:
        if text in cell_words or text in any_words:
            return rank
    ranks = [
        rank
        for rank, _cell_words, any_words, prefixes in _HEADER_VOCABULARY
        for word in words
        if word in any_words or word.startswith(prefixes)
    ]
    return min(ranks) if ranks else None


def _cell_text_at(row: _Row, column: int) -> str:
    return row.cells[column] if column < len(row.cells) else ""


def _cell_parse(row: _Row, column: int) -> _Parsed:
    cached = row.parsed.get(column)
    if cached is None:
        cached = row.parsed[column] = _parse_text(_cell_text_at(row, column))
    return cached


def _detect_header(first: _Row) -> dict[int, int] | None:
    """Column -> rank when the first content row is a header, else None.

    A header word such as "group" or "link" is syntactically a valid screen name, so on
    the first row header vocabulary wins; any cell that is unmistakably a reference
    (a VK link, club123...) means the row is data after all.
    """
    ranks: dict[int, int] = {}
    for column, cell in enumerate(first.cells):
        rank = _header_rank(cell)
        if rank is not None:
            ranks[column] = rank
        elif _cell_parse(first, column).strong:
            return None
    return ranks or None


def _pick_column(rows: list[_Row], header: dict[int, int] | None) -> int:
    # The first rows decide as well as all of them would, at a fraction of the cost.
    rows = rows[:DETECTION_SAMPLE_ROWS]
    width = max((len(r.cells) for r in rows), default=1)
    if width <= 1:
        return 0
    total = max(len(rows), 1)
    strong = [0] * width
    parsed = [0] * width
    filled = [0] * width
    for row in rows:
        for column in range(width):
            result = _cell_parse(row, column)
            filled[column] += not result.blank
            if result.reference is not None:
                parsed[column] += 1
                strong[column] += result.strong

    def first_passing(columns: Iterable[int], denominators: list[int]) -> int | None:
        columns = list(columns)
        # Prefer columns whose values can only be references (links, club123), so that
        # a leading row-number column or a column of one-word titles does not win.
        for counts in (strong, parsed):
            for column in columns:
                if counts[column] and counts[column] * 2 >= denominators[column]:
                    return column
        return None

    if header:
        # A column the user headed "link" is trusted even if many of its cells are empty.
        by_rank = sorted(header, key=lambda c: (header[c], c))
        chosen = first_passing(by_rank, filled)
        if chosen is not None:
            return chosen
    chosen = first_passing(range(width), [total] * width)
    if chosen is not None:
        return chosen
    if max(parsed) > 0:
        return parsed.index(max(parsed))
    if header:
        return sorted(header, key=lambda c: (header[c], c))[0]
    return 0


# --------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------


def _zip_kind(data: bytes) -> str:
    """Return "xlsx" for an Excel workbook, otherwise a description of the archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                if sum(info.file_size for info in archive.infolist()) > XLSX_MAX_UNCOMPRESSED:
                    raise UploadRefused("the XLSX workbook expands to more than 200 MB; split it or save it as CSV")
                return "xlsx"
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace")
                if "opendocument.spreadsheet" in mimetype:
                    return "an OpenDocument spreadsheet (.ods); save it as .xlsx or .csv"
                return "an OpenDocument file"
            if "word/document.xml" in names:
                return "a Word document (.docx)"
            return "a ZIP archive"
    except zipfile.BadZipFile:
        return "a damaged ZIP archive (a broken XLSX workbook?) that can't be opened"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        # Excel stores every number as a float; 123.0 must read as the id 123.
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes, max_lines: int) -> list[_Row]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a project dependency
        raise UploadRefused("XLSX files are not supported on this installation (openpyxl missing)") from exc
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles/data validation it doesn't understand; harmless here.
            warnings.simplefilter("ignore")
            # read_only streams the sheet XML. The full mode would materialise every cell of
            # the used range, so one stray value in a far corner (say XFD1048576) would
            # create billions of empty cells. The price: hyperlinks behind title cells are
            # not visible in this mode, only cell values.
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of exception types for broken files
        raise UploadRefused(
            f"the XLSX workbook can't be opened ({type(exc).__name__}: {_short(str(exc), 80)})"
        ) from exc
    try:
        if not workbook.worksheets:
            raise UploadRefused("the XLSX workbook has no sheets")
        sheet = workbook.worksheets[0]
        rows: list[_Row] = []
        try:
            for row_no, values in enumerate(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), start=1):
                if not any(v is not None and v != "" for v in values):
                    continue
                row = _Row(row_no, [_cell_text(v) for v in values])
                if not _is_blank(row):
                    rows.append(row)
                    if len(rows) > max_lines:
                        raise UploadRefused(_too_many_lines(max_lines))
        except UploadRefused:
            raise
        except Exception as exc:  # damaged sheet XML surfaces only while streaming
            raise UploadRefused(
                f"the XLSX workbook can't be read ({type(exc).__name__}: {_short(str(exc), 80)})"
            ) from exc
        return rows
    finally:
        workbook.close()


def _too_many_lines(max_lines: int) -> str:
    return f"the file has more than {max_lines:,} non-empty lines; split it into smaller files"


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def parse_group_file(
    file_name: str,
    data: bytes,
    *,
    max_bytes: int = 5_000_000,
    max_lines: int = 100_000,
) -> ParsedUpload:
    """Parse an uploaded list of VK communities.

    Returns one ``UploadLine`` per non-blank, non-comment line (the header row excluded).
    Raises ``UploadRefused`` when the file is not a list at all.
    """
    ext = _extension(file_name)
    if not data:
        raise UploadRefused("the file is empty")
    if len(data) > max_bytes:
        raise UploadRefused(f"the file is {len(data):,} bytes, larger than the {max_bytes:,}-byte limit")

    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        kind = _zip_kind(data)
        if kind != "xlsx":
            raise UploadRefused(f"the file is {kind}, not a list of VK communities")
        rows = _xlsx_rows(data, max_lines)
    else:
        what = _sniff_binary(data)
        if what:
            raise UploadRefused(f"the file is {what}, not a list of VK communities")
        text = _decode_text(data, ext)
        markup = _sniff_markup(text)
        if markup:
            raise UploadRefused(f"the file is {markup}, not a list of VK communities")
        rows = _text_rows(text)

    content_rows = [r for r in rows if not _is_blank(r) and not _is_comment(r)]
    if not content_rows:
        raise UploadRefused("the file has no lines besides blank lines and comments")
    if len(content_rows) > max_lines:
        raise UploadRefused(_too_many_lines(max_lines))
    # Content decided the file is a list; a foreign extension now means the user picked
    # the wrong file (a .json or .docx that happens to be text), so say so rather than
    # produce a screenful of "unparseable" lines.
    if ext not in ACCEPTED_EXTENSIONS:
        raise UploadRefused(f"unsupported file type .{ext}; upload a CSV, TSV, TXT or XLSX list of VK communities")

    header = _detect_header(content_rows[0])
    data_rows = content_rows[1:] if header else content_rows
    if not data_rows:
        raise UploadRefused("the file has only a header row and no communities")
    column = _pick_column(data_rows, header)

    return ParsedUpload(
        file_name=file_name,
        content_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        lines=list(_build_lines(data_rows, column)),
    )


def _build_lines(rows: list[_Row], column: int) -> Iterator[UploadLine]:
    first_seen: dict[str, int] = {}
    for row in rows:
        parsed, raw = _cell_parse(row, column), _cell_text_at(row, column)
        if parsed.blank:
            # The chosen column is empty on this row while other cells are not (a ragged or
            # shifted row): rescue an unmistakable reference from another cell, because
            # losing a good line is worse than reading it from an unexpected column.
            for other in range(len(row.cells)):
                candidate = _cell_parse(row, other)
                if other != column and candidate.strong:
                    parsed, raw = candidate, row.cells[other]
                    break
            else:
                raw = " | ".join(c for c in row.cells if c.strip())
                parsed = _Parsed(None, "no VK community reference in the expected column")
        raw = raw[:RAW_TEXT_LIMIT]

        ref = parsed.reference
        if ref is None:
            yield UploadLine(row.line_no, raw, None, OUTCOME_UNPARSEABLE, parsed.reason)
        elif ref.key in first_seen:
            yield UploadLine(row.line_no, raw, ref, OUTCOME_DUPLICATE, f"duplicate of line {first_seen[ref.key]}")
        else:
            first_seen[ref.key] = row.line_no
            yield UploadLine(row.line_no, raw, ref, None, None)
