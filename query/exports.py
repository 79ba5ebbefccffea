"""Results taken away: every page of a listing walked by its keyset cursor and written as CSV,
JSON lines or XLSX, a page at a time, so an export of millions of rows runs in the memory of
one page. Progress goes to stderr, the rows to the file.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from query.pages import MAX_LIMIT, Page

FORMATS = ("csv", "jsonl", "xlsx")
# Columns of VK's raw JSON stay in the database: an export is for reading, not for reloading.
LEFT_OUT = frozenset({"raw", "search_vector"})
# Excel opens no more rows than this in a sheet (header included); an export goes on in the next.
XLSX_SHEET_ROWS = 1_048_576


def pages(fetch: Callable[[str | None, int], Page], cursor: str | None = None) -> Iterator[Page]:
    """Every page from `cursor` on; `fetch(cursor, limit)` answers one."""
    while True:
        page = fetch(cursor, MAX_LIMIT)
        yield page
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def export(fetch: Callable[[str | None, int], Page], path: Path, fmt: str, timezone: str,
           cursor: str | None = None, progress: IO[str] | None = None) -> int:
    """Write every row to `path` in `fmt`; the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    zone = ZoneInfo(timezone)
    progress = progress or sys.stderr
    rows = 0
    with _writer(fmt, path) as write:
        for page in pages(fetch, cursor):
            for item in page.items:
                write({k: _cell(v, zone, fmt) for k, v in item.items() if k not in LEFT_OUT})
            rows += len(page.items)
            print(f"\r{rows:,} rows written to {path}", end="", file=progress, flush=True)
    print(file=progress)
    return rows


def _cell(value, zone: ZoneInfo, fmt: str):
    if isinstance(value, datetime):
        local = value.astimezone(zone)
        # Spreadsheets know no time zones: local wall time, as everywhere in this project.
        return local.replace(tzinfo=None) if fmt == "xlsx" else local.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


class _writer:
    """A context manager giving a function that writes one row."""

    def __init__(self, fmt: str, path: Path) -> None:
        self.fmt, self.path = fmt, path
        self.header: list[str] | None = None

    def __enter__(self) -> Callable[[dict], None]:
        if self.fmt == "xlsx":
            from openpyxl import Workbook

            # write_only streams rows to disk: memory stays flat however many there are.
            self.book = Workbook(write_only=True)
            self.sheets = 0
            self._next_sheet()
            return self._xlsx_row
        # utf-8-sig: Excel opens Cyrillic CSV correctly only with the byte order mark.
        self.stream = self.path.open("w", encoding="utf-8-sig" if self.fmt == "csv" else "utf-8",
                                     newline="")
        return self._csv_row if self.fmt == "csv" else self._jsonl_row

    def __exit__(self, *exc) -> None:
        if self.fmt == "xlsx":
            self.book.save(self.path)
        else:
            self.stream.close()

    def _columns(self, row: dict) -> list[str]:
        if self.header is None:
            self.header = list(row)
        return self.header

    def _csv_row(self, row: dict) -> None:
        if self.header is None:
            self.writer = csv.DictWriter(self.stream, fieldnames=self._columns(row), extrasaction="ignore")
            self.writer.writeheader()
        self.writer.writerow(row)

    def _jsonl_row(self, row: dict) -> None:
        self.stream.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")

    def _next_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.book.create_sheet("results" if self.sheets == 1 else f"results {self.sheets}")
        self.sheet_rows = 0
        if self.header is not None:
            self._xlsx_append(self.header)

    def _xlsx_append(self, cells: list) -> None:
        self.sheet.append(cells)
        self.sheet_rows += 1

    def _xlsx_row(self, row: dict) -> None:
        if self.header is None:
            self._xlsx_append(self._columns(row))
        elif self.sheet_rows >= XLSX_SHEET_ROWS:
            self._next_sheet()
        self._xlsx_append([row.get(name) for name in self.header])
