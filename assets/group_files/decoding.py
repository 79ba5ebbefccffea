"""What an uploaded file's bytes are: refused kinds of file, and the text encoding of the rest.

Binary files and markup documents are recognised by their content and refused. Text is read
as UTF-8 or Windows-1251, the encodings group lists come in, or as whatever a byte-order mark
declares (UTF-16 also without one).
``UploadRefused``, the refusal of a whole file, lives here because these are the first
refusals; the workbook reader and the entry point raise it too.
"""

from __future__ import annotations

import json
import re

ACCEPTED_EXTENSIONS = frozenset({"", "csv", "tsv", "txt", "text", "list", "lst", "xlsx", "xlsm", "xls"})


class UploadRefused(ValueError):
    """The file is not a list of communities at all; the message says why."""


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


def extension(file_name: str) -> str:
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


def sniff_binary(data: bytes) -> str | None:
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


def decode_text(data: bytes, ext: str) -> str:
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


def sniff_markup(text: str) -> str | None:
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

