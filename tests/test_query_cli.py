"""`python -m query`: what a person types, what they see, and how they get the next page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from query import ANALYTICS_TABLES, exports, list_analytics_table
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


# Periods of their own, far from the other tests' (the analytics tables outlive a test).
MARCH, APRIL = ("2030-03-01", "2030-03-31"), ("2030-04-01", "2030-04-30")
COMPUTED_AT = "2030-05-01 09:30:00+00"  # whole seconds: a spreadsheet keeps no microseconds


@pytest.fixture
def analytics_rows(db, migrated_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_database)
    clear = ("DELETE FROM analytics.top_posts_of_period WHERE period_start >= '2030-01-01'",
             "DELETE FROM analytics.comment_terms WHERE period_start >= '2030-01-01'")
    for statement in clear:
        db.execute(statement)
    terms = [(MARCH, "word", "погод", 7), (MARCH, "word", "дожд", 5), (MARCH, "word", "coffee", 3),
             (MARCH, "hashtag", "#новости", 4), (MARCH, "hashtag", "#sale", 1),
             (APRIL, "word", "весн", 2)]
    for (start, end), kind, term, comments in terms:
        db.execute("INSERT INTO analytics.comment_terms VALUES (%s, %s, %s, %s, %s, %s)",
                   (start, end, kind, term, comments, COMPUTED_AT))
    posts = [(MARCH, 1, 1, 10, "2030-03-05 09:00+00", 50, 500, 10.0, 5.0),
             (MARCH, 2, 2, 20, "2030-03-30 22:15:30+00", 100, 1010, 100 / 1010 * 100, None),
             (MARCH, 3, 1, 11, "2030-03-06 12:00+00", 26, 1040, 2.5, 2.0),
             (APRIL, 1, 1, 12, "2030-04-02 08:00+00", 5, 500, 1.0, None)]
    for (start, end), *post in posts:
        db.execute("INSERT INTO analytics.top_posts_of_period VALUES "
                   "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", (start, end, *post, COMPUTED_AT))
    yield
    for statement in clear:
        db.execute(statement)


def _exported(path, fmt: str) -> pd.DataFrame:
    """The file read back as pandas reads each format, times as local wall times."""
    if fmt == "xlsx":
        return pd.read_excel(path)  # already local wall times, as written
    frame = (pd.read_csv(path, encoding="utf-8-sig", float_precision="round_trip") if fmt == "csv"
             else pd.read_json(path, lines=True, convert_dates=False))
    for column in ("published_at", "computed_at"):
        if column in frame:
            frame[column] = (pd.to_datetime(frame[column], utc=True)
                             .dt.tz_convert("Europe/Moscow").dt.tz_localize(None))
    return frame


def _selected(db, query: str) -> pd.DataFrame:
    """The rows of the table as an export shows them: days as dates, times as local wall times."""
    frame = pd.DataFrame(db.execute(query).fetchall())
    for column in ("published_at", "computed_at"):
        if column in frame:
            frame[column] = (pd.to_datetime(frame[column], utc=True)
                             .dt.tz_convert("Europe/Moscow").dt.tz_localize(None))
    return frame


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
@pytest.mark.parametrize("table, filters, query", [
    ("comment_terms", ["--since", "2030-03-01", "--until", "2030-03-31"],
     "SELECT * FROM analytics.comment_terms WHERE period_start = '2030-03-01' "
     "ORDER BY period_start, period_end, kind, term"),
    ("top_posts_of_period", ["--since", "2030-03-01", "--group", "1"],
     "SELECT * FROM analytics.top_posts_of_period WHERE period_start >= '2030-03-01' AND group_id = 1 "
     "ORDER BY period_start, period_end, rank"),
])
def test_an_analytics_table_exports_every_page_and_reads_back_equal(
        analytics_rows, db, tmp_path, capsys, monkeypatch, fmt, table, filters, query):
    monkeypatch.setattr(exports, "MAX_LIMIT", 2)  # pages of two: the cursor carries days
    path = tmp_path / f"{table}.{fmt}"
    assert main(["analytics", table, *filters, "--output", str(path)]) == 0
    expected = _selected(db, query)
    assert f"{len(expected)} rows written to" in capsys.readouterr().err
    frame = _exported(path, fmt)
    assert list(frame.columns) == list(expected.columns)
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_an_analytics_table_pages_by_cursor_and_refuses_what_it_cannot_filter(analytics_rows, capsys):
    args = ["analytics", "comment_terms", "--since", "2030-01-01", "--limit", "4"]
    assert main(["--json", *args]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["term"] for line in lines[:-1]] == ["#sale", "#новости", "coffee", "дожд"]
    assert main(["--json", *args, "--cursor", lines[-1]["next_cursor"]]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["term"] for line in lines[:-1]] == ["погод", "весн"] and lines[-1]["next_cursor"] is None
    assert main(["analytics", "top_posts_of_period", "--since", "2030-01-01", "--until", "2030-03-31",
                 "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("period_start=2030-03-01 period_end=2030-03-31 rank=1 group_id=1 post_id=10 ")
    assert "published_at=2030-03-05 12:00" in out and "--cursor" in out
    assert main(["analytics", "comment_terms", "--group", "1"]) == 2
    assert "not kept per community" in capsys.readouterr().err
    assert main(["analytics", "comment_terms", *args[2:], "--cursor", "nonsense"]) == 2
    with pytest.raises(SystemExit):  # a table not on the list never reaches the database
        main(["analytics", "vk.comments"])
    assert "invalid choice" in capsys.readouterr().err


def test_every_analytics_table_is_on_the_list_and_pages_by_its_key(analytics_rows, db):
    in_schema = {row["relname"] for row in db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'analytics' AND c.relkind IN ('r', 'p')")}
    assert set(ANALYTICS_TABLES) == in_schema
    for table in ANALYTICS_TABLES:
        first = list_analytics_table(db, table, limit=1)
        if first.next_cursor:
            second = list_analytics_table(db, table, limit=1, cursor=first.next_cursor)
            assert second.items and second.items != first.items, table
    with pytest.raises(ValueError, match="table must be one of"):
        list_analytics_table(db, "comment_terms; DROP TABLE vk.comments")
