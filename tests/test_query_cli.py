"""`python -m query`: what a person types, what they see, and how they get the next page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from query import exports
from query.__main__ import main

POST_TIME = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def filled(db, rows, migrated_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_database)
    db.execute("SELECT vk.ensure_comment_partitions('2026-01-01', '2026-02-01')")
    rows.group(1)
    rows.post(1, 10, POST_TIME, text="Пост про погоду", likes_count=5)
    for n in range(1, 6):
        rows.comment(1, 10, 10 + n, POST_TIME, POST_TIME + timedelta(minutes=n),
                     text=f"Погода сегодня номер {n}", from_id=700 + n)


def test_search_prints_one_line_per_comment_and_the_next_cursor(filled, capsys):
    assert main(["search", "погоды", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert "wall-1_10?reply=15" in out and "wall-1_10?reply=14" in out
    assert "reply=13" not in out
    cursor = out.split("--cursor ")[1].split()[0]
    assert main(["search", "погоды", "--limit", "2", "--cursor", cursor]) == 0
    assert "reply=13" in capsys.readouterr().out


def test_search_json_output_and_filters(filled, capsys):
    assert main(["--json", "search", "погода", "--group", "1", "--post", "10", "--author", "703",
                 "--since", "2026-01-05", "--until", "2026-01-06", "--order", "relevance"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("comment_id") for line in lines[:-1]] == [13]
    assert lines[-1] == {"next_cursor": None}


def test_listings_from_the_command_line(filled, capsys):
    assert main(["post-comments", "1", "10", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.index("reply=11") < out.index("reply=13") and "--cursor" in out
    assert main(["group-posts", "1", "--order", "engagement"]) == 0
    assert "wall-1_10 engagement 5" in capsys.readouterr().out


def test_mistakes_are_reported_not_raised(filled, capsys):
    assert main(["search", "погода", "--cursor", "nonsense"]) == 2
    assert "malformed cursor" in capsys.readouterr().err
    assert main(["post-comments", "1", "99"]) == 2
    assert "not in the database" in capsys.readouterr().err
    assert main(["search", "'; DROP TABLE vk.comments; --"]) == 0
    assert "(nothing found)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["search", "погода", "--limit", "100000"])


def test_an_unreachable_database_is_one_clear_line_with_the_password_masked(monkeypatch, capsys):
    # A port nothing listens on: refused at once.
    monkeypatch.setenv("DATABASE_URL", "postgresql://reader:s3cret-pw@127.0.0.1:1/vk")
    assert main(["search", "погода"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: database postgresql://reader:***@127.0.0.1:1/vk unreachable: ")
    assert len(err.strip().splitlines()) == 1 and "s3cret-pw" not in err


def test_a_login_without_grants_is_told_what_to_grant(filled, db, migrated_database, monkeypatch, capsys):
    db.execute("DROP ROLE IF EXISTS vk_test_nobody")
    db.execute("CREATE ROLE vk_test_nobody LOGIN")
    try:
        login = make_url(migrated_database).set(username="vk_test_nobody", password=None)
        monkeypatch.setenv("DATABASE_URL", login.render_as_string(hide_password=False))
        assert main(["search", "погода"]) == 3
        err = capsys.readouterr().err
        assert "refused the query: permission denied" in err and "grant vk_reader" in err
        assert len(err.strip().splitlines()) == 1
    finally:
        db.execute("DROP OWNED BY vk_test_nobody")
        db.execute("DROP ROLE vk_test_nobody")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_an_export_walks_every_page_and_reads_back_equal(filled, db, rows, tmp_path, capsys, fmt,
                                                         monkeypatch):
    # Cyrillic, emoji, quotes and a line break; pages of two, so six rows take three pages.
    monkeypatch.setattr(exports, "MAX_LIMIT", 2)
    rows.comment(1, 10, 90, POST_TIME, POST_TIME + timedelta(hours=2), text="Погода 🌧 «дождь», \"кавычки\"\nстрока",
                 from_id=790)
    path = tmp_path / f"out.{fmt}"
    assert main(["search", "погода", "--output", str(path)]) == 0
    assert "6 rows written to" in capsys.readouterr().err
    if fmt == "csv":
        frame = pd.read_csv(path, encoding="utf-8-sig")
    elif fmt == "jsonl":
        frame = pd.read_json(path, lines=True)
    else:
        frame = pd.read_excel(path)
    expected = db.execute("SELECT comment_id, text FROM vk.comments WHERE text ILIKE '%погод%' "
                          "ORDER BY published_at DESC, comment_id DESC").fetchall()
    assert frame["comment_id"].tolist() == [r["comment_id"] for r in expected]
    assert frame["text"].tolist() == [r["text"] for r in expected]
    assert "raw" not in frame.columns


def test_an_export_from_a_cursor_takes_only_the_rest(filled, tmp_path, capsys):
    assert main(["search", "погода", "--limit", "2"]) == 0
    cursor = capsys.readouterr().out.split("--cursor ")[1].split()[0]
    path = tmp_path / "rest.jsonl"
    assert main(["search", "погода", "--cursor", cursor, "--output", str(path)]) == 0
    assert [json.loads(line)["comment_id"] for line in path.read_text().splitlines()] == [13, 12, 11]


def test_an_xlsx_export_past_a_sheets_rows_goes_on_in_the_next_sheet(filled, db, tmp_path, capsys,
                                                                      monkeypatch):
    # Excel opens 1,048,576 rows a sheet; at three (header included) five comments take three.
    monkeypatch.setattr(exports, "XLSX_SHEET_ROWS", 3)
    path = tmp_path / "out.xlsx"
    assert main(["search", "погода", "--output", str(path)]) == 0
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["results", "results 2", "results 3"]
    assert [len(sheet) for sheet in sheets.values()] == [2, 2, 1]
    assert all(list(sheet.columns) == list(sheets["results"].columns) for sheet in sheets.values())
    assert pd.concat(sheets.values())["comment_id"].tolist() == [15, 14, 13, 12, 11]
