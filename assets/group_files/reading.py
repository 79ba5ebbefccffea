"""Read an uploaded "group file" (CSV, TSV, TXT or XLSX) into one outcome per line.

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

from dataclasses import dataclass
from typing import Iterator

from assets.group_files.decoding import (
    ACCEPTED_EXTENSIONS,
    UploadRefused,
    decode_text,
    extension,
    sniff_binary,
    sniff_markup,
)
from assets.group_files.references import GroupReference, Parsed
from assets.group_files.tables import (
    Row,
    cell_parse,
    cell_text_at,
    detect_header,
    is_blank,
    is_comment,
    pick_column,
    text_rows,
)
from assets.group_files.xlsx import too_many_lines, xlsx_rows, zip_kind

OUTCOME_UNPARSEABLE = "unparseable"
OUTCOME_DUPLICATE = "duplicate"

RAW_TEXT_LIMIT = 1000


@dataclass(frozen=True)
class UploadLine:
    line_no: int
    raw_text: str
    reference: GroupReference | None
    outcome: str | None
    reason: str | None


@dataclass(frozen=True)
class ParsedUpload:
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
    ext = extension(file_name)
    if not data:
        raise UploadRefused("the file is empty")
    if len(data) > max_bytes:
        raise UploadRefused(f"the file is {len(data):,} bytes, larger than the {max_bytes:,}-byte limit")

    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        kind = zip_kind(data)
        if kind != "xlsx":
            raise UploadRefused(f"the file is {kind}, not a list of VK communities")
        rows = xlsx_rows(data, max_lines)
    else:
        what = sniff_binary(data)
        if what:
            raise UploadRefused(f"the file is {what}, not a list of VK communities")
        text = decode_text(data, ext)
        markup = sniff_markup(text)
        if markup:
            raise UploadRefused(f"the file is {markup}, not a list of VK communities")
        rows = text_rows(text)

    content_rows = [r for r in rows if not is_blank(r) and not is_comment(r)]
    if not content_rows:
        raise UploadRefused("the file has no lines besides blank lines and comments")
    if len(content_rows) > max_lines:
        raise UploadRefused(too_many_lines(max_lines))
    # Content decided the file is a list; a foreign extension now means the user picked
    # the wrong file (a .json or .docx that happens to be text), so say so rather than
    # produce a screenful of "unparseable" lines.
    if ext not in ACCEPTED_EXTENSIONS:
        raise UploadRefused(f"unsupported file type .{ext}; upload a CSV, TSV, TXT or XLSX list of VK communities")

    header = detect_header(content_rows[0])
    data_rows = content_rows[1:] if header else content_rows
    if not data_rows:
        raise UploadRefused("the file has only a header row and no communities")
    column = pick_column(data_rows, header)

    return ParsedUpload(list(_build_lines(data_rows, column)))


def _build_lines(rows: list[Row], column: int) -> Iterator[UploadLine]:
    first_seen: dict[str, int] = {}
    for row in rows:
        parsed, raw = cell_parse(row, column), cell_text_at(row, column)
        if parsed.blank:
            # The chosen column is empty on this row while other cells are not (a ragged or
            # shifted row): rescue an unmistakable reference from another cell, because
            # losing a good line is worse than reading it from an unexpected column.
            for other in range(len(row.cells)):
                candidate = cell_parse(row, other)
                if other != column and candidate.strong:
                    parsed, raw = candidate, row.cells[other]
                    break
            else:
                raw = " | ".join(c for c in row.cells if c.strip())
                parsed = Parsed(None, "no VK community reference in the expected column")
        raw = raw[:RAW_TEXT_LIMIT]

        ref = parsed.reference
        if ref is None:
            yield UploadLine(row.line_no, raw, None, OUTCOME_UNPARSEABLE, parsed.reason)
        elif ref.key in first_seen:
            yield UploadLine(row.line_no, raw, ref, OUTCOME_DUPLICATE, f"duplicate of line {first_seen[ref.key]}")
        else:
            first_seen[ref.key] = row.line_no
            yield UploadLine(row.line_no, raw, ref, None, None)
