"""Tests for reading uploaded group files into lines. All inputs are generated here, in memory."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pytest

from assets.group_files.decoding import UploadRefused
from assets.group_files.reading import ParsedUpload, UploadLine, parse_group_file
from assets.group_files.references import GroupReference


def gid(n: int) -> GroupReference:
    return GroupReference(group_id=n, screen_name=None)


def name(s: str) -> GroupReference:
    return GroupReference(group_id=None, screen_name=s)


def ok(line_no: int, raw: str, ref: GroupReference) -> UploadLine:
    return UploadLine(line_no, raw, ref, None, None)


def dup(line_no: int, raw: str, ref: GroupReference, first: int) -> UploadLine:
    return UploadLine(line_no, raw, ref, "duplicate", f"duplicate of line {first}")


def bad(line_no: int, raw: str, reason: str) -> UploadLine:
    return UploadLine(line_no, raw, None, "unparseable", reason)


# --------------------------------------------------------------------------------------
# Text files
# --------------------------------------------------------------------------------------


def test_plain_list_every_form_with_duplicates_and_junk():
    text = "\n".join(
        [
            "# my groups",                      # 1 comment
            "https://vk.com/club1",             # 2
            "",                                 # 3 blank
            "-1",                               # 4 duplicate of 2
            "vk.com/public1/",                  # 5 duplicate of 2
            "club1",                            # 6 duplicate of 2
            "https://m.vk.com/ApiClub",         # 7
            "@apiclub",                         # 8 duplicate of 7 (case-insensitive)
            "   ",                              # 9 blank
            "// another comment",               # 10 comment
            "hello world",                      # 11
            "https://google.com/x",             # 12
            "vk.com/id123",                     # 13
            "vk.com/",                          # 14
            "vk.com/wall-2_45",                 # 15
            "2",                                # 16 duplicate of 15
            "\t  \"vk.ru/event3\"  ",           # 17
        ]
    ).encode()
    parsed = parse_group_file("groups.txt", text)
    assert parsed.lines == [
        ok(2, "https://vk.com/club1", gid(1)),
        dup(4, "-1", gid(1), 2),
        dup(5, "vk.com/public1/", gid(1), 2),
        dup(6, "club1", gid(1), 2),
        ok(7, "https://m.vk.com/ApiClub", name("apiclub")),
        dup(8, "@apiclub", name("apiclub"), 7),
        bad(11, "hello world", "not a VK community reference: hello world"),
        bad(12, "https://google.com/x", "not a VK community link: https://google.com/x"),
        bad(13, "vk.com/id123", "user profile, not a community: vk.com/id123"),
        bad(14, "vk.com/", "VK link without a community name: vk.com/"),
        ok(15, "vk.com/wall-2_45", gid(2)),
        dup(16, "2", gid(2), 15),
        ok(17, "\t  \"vk.ru/event3\"  ", gid(3)),
    ]
    assert parsed.references == [gid(1), name("apiclub"), gid(2), gid(3)]


def test_header_row_is_skipped_only_when_it_is_not_a_reference():
    with_header = parse_group_file("g.txt", b"link\nclub1\n")
    assert with_header.lines == [ok(2, "club1", gid(1))]

    # "apiclub" on the first row is a community, not a header.
    without_header = parse_group_file("g.txt", b"apiclub\nclub1\n")
    assert without_header.lines == [ok(1, "apiclub", name("apiclub")), ok(2, "club1", gid(1))]

    # A screen name that merely starts like a header word is data too.
    linkin = parse_group_file("g.txt", b"linkinpark\nclub1\n")
    assert linkin.lines[0] == ok(1, "linkinpark", name("linkinpark"))

    # A header only counts on the first non-blank row; later it is a (valid) screen name.
    later = parse_group_file("g.txt", b"\n# comment\nurl\nclub1\ngroup\n")
    assert later.lines == [ok(4, "club1", gid(1)), ok(5, "group", name("group"))]


@pytest.mark.parametrize("header", ["link", "URL", "group", "Группа", "ссылка", "id", "name", "Ссылки на группы:"])
def test_header_words(header):
    parsed = parse_group_file("g.txt", f"{header}\nclub1\n".encode())
    assert parsed.lines == [ok(2, "club1", gid(1))]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_keep_physical_line_numbers(newline):
    data = newline.join(["club1", "", "apiclub", "junk here", ""]).encode()
    parsed = parse_group_file("g.txt", data)
    assert parsed.lines == [
        ok(1, "club1", gid(1)),
        ok(3, "apiclub", name("apiclub")),
        bad(4, "junk here", "not a VK community reference: junk here"),
    ]


def test_utf8_with_bom():
    parsed = parse_group_file("g.csv", "ссылка\r\nvk.com/club1\r\n".encode("utf-8-sig"))
    assert parsed.lines == [ok(2, "vk.com/club1", gid(1))]


def test_cp1251_with_cyrillic_header_and_titles():
    data = "Название;Ссылка\r\nКлуб API;https://vk.com/apiclub\r\nЁжики;club5\r\nНет ссылки;привет\r\n".encode("cp1251")
    parsed = parse_group_file("g.csv", data)
    assert parsed.lines == [
        ok(2, "https://vk.com/apiclub", name("apiclub")),
        ok(3, "club5", gid(5)),
        bad(4, "привет", "invalid screen name (allowed: latin letters, digits, _ and .): привет"),
    ]


def test_utf8_with_a_damaged_byte_is_still_utf8():
    # A truncated multi-byte character must not flip the whole file to Windows-1251.
    data = "Ссылка на группу\nvk.com/club1\nГруппа котиков\n".encode() + b"\xd0\nclub2\n"
    parsed = parse_group_file("g.txt", data)
    assert parsed.lines == [
        ok(2, "vk.com/club1", gid(1)),
        bad(3, "Группа котиков", "not a VK community reference: Группа котиков"),
        bad(4, "\ufffd", "invalid screen name (allowed: latin letters, digits, _ and .): \ufffd"),
        ok(5, "club2", gid(2)),
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(encoding):
    data = "группа\r\nvk.com/club1\r\n@apiclub\r\n".encode(encoding)
    parsed = parse_group_file("g.txt", data)
    assert parsed.lines == [ok(2, "vk.com/club1", gid(1)), ok(3, "@apiclub", name("apiclub"))]


def test_csv_semicolons_picks_header_named_column():
    data = (
        "№;Название;Ссылка;Подписчики\n"
        "1;API Club;https://vk.com/apiclub;100\n"
        "2;Test;vk.com/club5;200\n"
        "3;Broken;https://google.com/x;300\n"
        "4;Again;\"vk.com/apiclub\";400\n"
    ).encode()
    parsed = parse_group_file("g.csv", data)
    assert parsed.lines == [
        ok(2, "https://vk.com/apiclub", name("apiclub")),
        ok(3, "vk.com/club5", gid(5)),
        bad(4, "https://google.com/x", "not a VK community link: https://google.com/x"),
        dup(5, "vk.com/apiclub", name("apiclub"), 2),
    ]


def test_csv_without_header_prefers_column_of_unmistakable_references():
    # The first column (row counters) parses as numeric ids, but the links column is the
    # one that can only be communities.
    data = b"1,API Club,vk.com/apiclub\n2,Test,club5\n3,Other,-7\n"
    parsed = parse_group_file("g.csv", data)
    assert parsed.lines == [
        ok(1, "vk.com/apiclub", name("apiclub")),
        ok(2, "club5", gid(5)),
        ok(3, "-7", gid(7)),
    ]


def test_csv_without_header_takes_first_mostly_parsing_column():
    parsed = parse_group_file("g.csv", b"apiclub,API Club\n12,Twelve\n")
    assert parsed.lines == [ok(1, "apiclub", name("apiclub")), ok(2, "12", gid(12))]


def test_tab_separated_with_header_prefers_link_over_id_column():
    data = b"id\tname\tlink\n1\tAPI\tvk.com/apiclub\n2\tTest\tvk.com/club5\n"
    parsed = parse_group_file("g.tsv", data)
    assert parsed.lines == [ok(2, "vk.com/apiclub", name("apiclub")), ok(3, "vk.com/club5", gid(5))]


def test_vk_export_with_id_name_screen_name():
    data = b"id,name,screen_name\n1,API Club,apiclub\n2,Test group,testgroup\n"
    parsed = parse_group_file("g.csv", data)
    assert parsed.lines == [ok(2, "apiclub", name("apiclub")), ok(3, "testgroup", name("testgroup"))]


def test_ragged_row_rescues_reference_from_another_column():
    data = b"name;link\nAPI;vk.com/apiclub\nvk.com/club5;\nonly a title;\n"
    parsed = parse_group_file("g.csv", data)
    assert parsed.lines == [
        ok(2, "vk.com/apiclub", name("apiclub")),
        ok(3, "vk.com/club5", gid(5)),
        bad(4, "only a title", "no VK community reference in the expected column"),
    ]


def test_file_where_nothing_parses_is_not_refused():
    parsed = parse_group_file("g.txt", b"hello world\nfoo bar\n")
    assert [line.outcome for line in parsed.lines] == ["unparseable", "unparseable"]
    assert parsed.references == []


def test_raw_text_is_capped():
    parsed = parse_group_file("g.txt", b"x" * 5000 + b"\nclub1\n")
    assert len(parsed.lines[0].raw_text) == 1000
    assert parsed.lines[0].outcome == "unparseable"
    assert parsed.lines[1] == ok(2, "club1", gid(1))


def test_extension_is_secondary_to_content():
    # Text named .xlsx/.xls (a common web "export") and a file without extension are lists.
    assert parse_group_file("export.xls", b"club1\n").references == [gid(1)]
    assert parse_group_file("export.xlsx", b"club1\n").references == [gid(1)]
    assert parse_group_file("groups", b"club1\n").references == [gid(1)]
    with pytest.raises(UploadRefused, match=r"unsupported file type \.docx"):
        parse_group_file("notes.docx", b"club1\n")


# --------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------


def make_xlsx(rows, *, cells=None, second_sheet=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for coordinate, value in (cells or {}).items():
        sheet[coordinate] = value
    if second_sheet is not None:
        other = workbook.create_sheet("Other")
        for row in second_sheet:
            other.append(row)
        workbook.active = 1  # "first sheet" means first in order, not the active one
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_multi_column_with_header():
    data = make_xlsx(
        [
            ["Название", "Подписчики", "Ссылка"],
            ["API Club", 100, "https://vk.com/apiclub"],
            [None, None, None],
            ["Numeric", 5, 123],
            ["Float id", 7, 456.0],
            ["Bad", 1, "vk.com/id1"],
            ["Dup", 1, "club123"],
        ]
    )
    parsed = parse_group_file("groups.xlsx", data)
    assert parsed.lines == [
        ok(2, "https://vk.com/apiclub", name("apiclub")),
        ok(4, "123", gid(123)),
        ok(5, "456", gid(456)),
        bad(6, "vk.com/id1", "user profile, not a community: vk.com/id1"),
        dup(7, "club123", gid(123), 4),
    ]


def test_xlsx_without_header_reads_first_sheet_and_keeps_row_numbers():
    data = make_xlsx(
        [["apiclub"], ["club5"]],
        cells={"A3000": "vk.com/club6", "BZ1": "ignored: beyond the column cap"},
        second_sheet=[["club999"]],
    )
    parsed = parse_group_file("groups.xlsx", data)
    assert parsed.lines == [
        ok(1, "apiclub", name("apiclub")),
        ok(2, "club5", gid(5)),
        ok(3000, "vk.com/club6", gid(6)),
    ]


def test_xlsx_detected_by_content_despite_csv_name():
    data = make_xlsx([["link"], ["vk.com/club9"]])
    assert parse_group_file("groups.csv", data).lines == [ok(2, "vk.com/club9", gid(9))]


def test_xlsx_empty_sheet_is_refused():
    with pytest.raises(UploadRefused, match="no lines besides blank lines"):
        parse_group_file("empty.xlsx", make_xlsx([]))


def test_xlsx_with_damaged_sheet_is_refused():
    source = zipfile.ZipFile(io.BytesIO(make_xlsx([["club1"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            damaged.writestr(info, content)
    with pytest.raises(UploadRefused, match=r"^the XLSX workbook can't be read \(ParseError"):
        parse_group_file("groups.xlsx", buffer.getvalue())


def test_broken_xlsx_is_refused():
    data = make_xlsx([["club1"]])
    with pytest.raises(UploadRefused, match="can't be opened"):
        parse_group_file("broken.xlsx", data[: len(data) // 2])


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("groups.txt", "club1\n")
    with pytest.raises(UploadRefused, match="ZIP archive"):
        parse_group_file("groups.xlsx", buffer.getvalue())


# --------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \r\n", "the file has no lines besides blank lines and comments"),
        (b"# just a comment\n// and another\n", "the file has no lines besides blank lines and comments"),
        (b"link\n\n", "the file has only a header row and no communities"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is a PNG image, not a list of VK communities"),
        (b"%PDF-1.7\n...", "the file is a PDF document, not a list of VK communities"),
        (b"<!DOCTYPE html><html></html>", "the file is an HTML page, not a list of VK communities"),
        (b'["club1", "club2"]', "the file is JSON data, not a list of VK communities"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8,
            "the file is a legacy Excel .xls / Word .doc or a password-protected Office file; "
            "save it as .xlsx or .csv, not a list of VK communities",
        ),
    ],
)
def test_refusals(data, message):
    with pytest.raises(UploadRefused) as exc:
        parse_group_file("groups.csv", data)
    assert str(exc.value) == message


def test_random_bytes_with_nuls_are_refused():
    data = bytes((i * 7919 + 13) % 256 for i in range(4096))  # deterministic "random" with NULs
    assert b"\x00" in data
    with pytest.raises(UploadRefused) as exc:
        parse_group_file("groups.csv", data)
    assert str(exc.value) == (
        "the file contains NUL bytes, so it is a binary file despite its .csv name; "
        "upload a CSV, TSV, TXT or XLSX list of VK communities"
    )


def test_undecodable_bytes_without_nuls_are_refused():
    data = bytes(range(1, 256)) * 4
    with pytest.raises(UploadRefused, match="neither UTF-8 nor Windows-1251"):
        parse_group_file("groups.txt", data)


def test_os_random_bytes_are_refused():
    with pytest.raises(UploadRefused):
        parse_group_file("groups.txt", os.urandom(4096))


def test_too_large_is_refused():
    with pytest.raises(UploadRefused) as exc:
        parse_group_file("groups.txt", b"club1\n" * 10, max_bytes=50)
    assert str(exc.value) == "the file is 60 bytes, larger than the 50-byte limit"
    assert parse_group_file("groups.txt", b"club1\n" * 10, max_bytes=60).references == [gid(1)]


def test_too_many_lines_is_refused():
    data = "\n".join(f"club{i}" for i in range(1, 12)).encode()
    with pytest.raises(UploadRefused, match="more than 10 non-empty lines"):
        parse_group_file("groups.txt", data, max_lines=10)
    assert len(parse_group_file("groups.txt", data, max_lines=11).lines) == 11


def test_refusal_is_a_value_error():
    assert issubclass(UploadRefused, ValueError)
    assert isinstance(parse_group_file("g.txt", b"club1"), ParsedUpload)
