"""XLSX workbooks: which ZIP archives are workbooks, and the rows of a workbook's first sheet."""

from __future__ import annotations

import io
import warnings
import zipfile

from assets.group_files.decoding import UploadRefused
from assets.group_files.references import shorten
from assets.group_files.tables import Row, is_blank

# An XLSX is a ZIP; cap what it may expand to so a tiny "zip bomb" cannot eat the worker.
XLSX_MAX_UNCOMPRESSED = 200_000_000
# Group lists have a handful of columns; reading more only costs time on wide sheets.
MAX_XLSX_COLUMNS = 50


def zip_kind(data: bytes) -> str:
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


def xlsx_rows(data: bytes, max_lines: int) -> list[Row]:
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
            # The same sheet with formulas as written: a formula whose result the file does not
            # keep (a workbook written by a program rather than saved by Excel) reads as None
            # above, and the line would vanish without a word.
            formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises a zoo of exception types for broken files
        raise UploadRefused(
            f"the XLSX workbook can't be opened ({type(exc).__name__}: {shorten(str(exc), 80)})"
        ) from exc
    try:
        if not workbook.worksheets:
            raise UploadRefused("the XLSX workbook has no sheets")
        sheet = workbook.worksheets[0]
        written = formulas.worksheets[0].iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True)
        rows: list[Row] = []
        try:
            for row_no, (values, as_written) in enumerate(
                    zip(sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True), written), start=1):
                values = [_unsaved_formula(formula) if value is None else value
                          for value, formula in zip(values, as_written)]
                if not any(v is not None and v != "" for v in values):
                    continue
                row = Row(row_no, [_cell_text(v) for v in values])
                if not is_blank(row):
                    rows.append(row)
                    if len(rows) > max_lines:
                        raise UploadRefused(too_many_lines(max_lines))
        except UploadRefused:
            raise
        except Exception as exc:  # damaged sheet XML surfaces only while streaming
            raise UploadRefused(
                f"the XLSX workbook can't be read ({type(exc).__name__}: {shorten(str(exc), 80)})"
            ) from exc
        return rows
    finally:
        workbook.close()
        formulas.close()


def _unsaved_formula(written: object) -> str | None:
    """The formula text of a cell whose value the file does not hold; the reference parser
    then says the cell held a formula (references.FORMULA_REASON)."""
    return written if isinstance(written, str) and written.startswith("=") else None


def too_many_lines(max_lines: int) -> str:
    return f"the file has more than {max_lines:,} non-empty lines; split it into smaller files"

