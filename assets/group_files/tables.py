"""Rows of a group file, and which of their columns holds the communities.

Text becomes rows (one per physical line, split on the delimiter at least half of them use); the first
content row may be a header, and the column is picked by what its cells parse as. Each cell
is parsed once, here, and the verdict reused when the lines are built.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import Iterable

from assets.group_files.references import EDGE_JUNK, Parsed, clean, parse_text

# Delimiter and column detection look at this many rows; lists are uniform enough.
DETECTION_SAMPLE_ROWS = 2000
# Lines longer than this are never rows of a group list; don't hand them to the csv module
# (which also has its own 128 KiB field limit).
MAX_DELIMITED_LINE = 10_000


@dataclass
class Row:
    line_no: int
    cells: list[str]
    # Column detection and line building both parse the same cells; parse each once.
    parsed: dict[int, Parsed] = field(default_factory=dict)


def is_comment(row: Row) -> bool:
    for cell in row.cells:
        stripped = cell.strip(EDGE_JUNK)
        if stripped:
            return stripped.startswith("#") or stripped.startswith("//")
    return False


def is_blank(row: Row) -> bool:
    return not any(c.strip(EDGE_JUNK) for c in row.cells)


_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")


def text_rows(text: str) -> list[Row]:
    # Not str.splitlines(): it also splits on \x0b, \x1c, \u2028..., which would shift
    # the physical line numbers users see in their editors.
    physical = _LINE_SPLIT_RE.split(text)
    sample = []
    for line in physical:
        if line.strip(EDGE_JUNK) and not is_comment(Row(0, [line])):
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
        rows.append(Row(index, cells))
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
    text = clean(cell).lower().rstrip(":")
    if not text or len(text) > 40 or "/" in text or "." in text:
        return None
    if parse_text(text).reference is not None and text not in _HEADER_SCREEN_NAME_LIKE:
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


def cell_text_at(row: Row, column: int) -> str:
    return row.cells[column] if column < len(row.cells) else ""


def cell_parse(row: Row, column: int) -> Parsed:
    cached = row.parsed.get(column)
    if cached is None:
        cached = row.parsed[column] = parse_text(cell_text_at(row, column))
    return cached


def detect_header(first: Row) -> dict[int, int] | None:
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
        elif cell_parse(first, column).strong:
            return None
    return ranks or None


def pick_column(rows: list[Row], header: dict[int, int] | None) -> int:
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
            result = cell_parse(row, column)
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

