"""Comment search on a real PostgreSQL: what it finds, in which order, page by page, whichever
tier answers, and that no input can break it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from query import CursorError, SearchTerms, search_comments
from query import search as search_module

MONTH_START = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return MONTH_START + timedelta(days=day - 1, hours=hour, minutes=minute)


@pytest.fixture
def corpus(db, rows):
    """Two groups, three posts over two months, comments whose words the tests name."""
    db.execute("SELECT vk.ensure_comment_partitions('2026-01-01', '2026-03-01')")
    rows.group(1)
    rows.group(2)
    rows.post(1, 10, at(5))
    rows.post(1, 20, at(20))
    rows.post(2, 10, at(35))  # February: another partition

    def comment(group_id, post_id, comment_id, published_at, text, **extra):
        post_time = {(1, 10): at(5), (1, 20): at(20), (2, 10): at(35)}[(group_id, post_id)]
        rows.comment(group_id, post_id, comment_id, post_time, published_at, text=text, **extra)

    return comment


def ids(page) -> list[tuple[int, int]]:
    return [(item["group_id"], item["comment_id"]) for item in page.items]


def all_pages(db, text, limit, **filters) -> list[tuple[int, int]]:
    found, cursor = [], None
    while True:
        page = search_comments(db, text, limit=limit, cursor=cursor, **filters)
        found += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            return found


def test_words_are_stemmed_in_russian_and_english(db, corpus):
    corpus(1, 10, 11, at(6), "Криптограф пишет письма")
    corpus(1, 10, 12, at(6, 13), "The runners were running fast")
    corpus(1, 10, 13, at(6, 14), "ничего общего")

    assert ids(search_comments(db, "криптографы")) == [(1, 11)]
    assert ids(search_comments(db, "письмо криптографа")) == [(1, 11)]
    assert ids(search_comments(db, "run")) == [(1, 12)]
    assert ids(search_comments(db, "RUNNING")) == [(1, 12)]


def test_websearch_syntax_phrases_or_and_exclusions(db, corpus):
    corpus(1, 10, 11, at(6, 1), "красная машина едет")
    corpus(1, 10, 12, at(6, 2), "машина красная стоит")
    corpus(1, 10, 13, at(6, 3), "синяя машина")

    assert ids(search_comments(db, '"красная машина"')) == [(1, 11)]
    assert ids(search_comments(db, "машина -красная")) == [(1, 13)]
    assert set(ids(search_comments(db, "едет or стоит"))) == {(1, 11), (1, 12)}


def test_hashtags_and_mentions_match_exactly(db, corpus):
    corpus(1, 10, 11, at(6, 1), "Лучшие #Новости дня", hashtags=["новости"])
    corpus(1, 10, 12, at(6, 2), "новости без тега")
    corpus(1, 10, 13, at(6, 3), "спасибо @durov", mentions=["durov"])
    corpus(1, 10, 14, at(6, 4), "durov упомянут словом")
    corpus(1, 10, 15, at(6, 5), "#новости и @durov вместе", hashtags=["новости"], mentions=["durov"])

    assert ids(search_comments(db, "#НОВОСТИ")) == [(1, 15), (1, 11)]
    assert ids(search_comments(db, "@durov")) == [(1, 15), (1, 13)]
    assert ids(search_comments(db, "#новости @durov")) == [(1, 15)]
    # Words and tags together: the words must match as well.
    assert ids(search_comments(db, "лучшие #новости")) == [(1, 11)]
    assert SearchTerms.parse("лучшие #Новости @Durov").hashtags == ("новости",)


def test_filters_by_group_post_author_and_time(db, corpus):
    corpus(1, 10, 11, at(6), "погода хорошая", from_id=501)
    corpus(1, 20, 21, at(21), "погода плохая", from_id=502)
    corpus(2, 10, 11, at(36), "погода никакая", from_id=501)

    assert ids(search_comments(db, "погода")) == [(2, 11), (1, 21), (1, 11)]
    assert ids(search_comments(db, "погода", group_id=1)) == [(1, 21), (1, 11)]
    assert ids(search_comments(db, "погода", group_id=1, post_id=10)) == [(1, 11)]
    assert ids(search_comments(db, "погода", author_id=501)) == [(2, 11), (1, 11)]
    assert ids(search_comments(db, "погода", since=at(21), until=at(36))) == [(1, 21)]
    with pytest.raises(ValueError, match="group_id"):
        search_comments(db, "погода", post_id=10)


def test_deleted_comments_are_never_found(db, corpus):
    corpus(1, 10, 11, at(6), "погода")
    corpus(1, 10, 12, at(7), "", is_deleted=True, from_id=None)
    assert ids(search_comments(db, "погода")) == [(1, 11)]


def test_relevance_puts_the_best_match_first(db, corpus):
    corpus(1, 10, 11, at(6, 1), "погода " + "и прочие длинные слова " * 20)
    corpus(1, 10, 12, at(6, 2), "погода погода погода")
    corpus(1, 10, 13, at(6, 3), "снова погода и ещё кое-что")

    page = search_comments(db, "погода", order="relevance")
    assert ids(page)[0] == (1, 12) and ids(page)[-1] == (1, 11)
    ranks = [item["rank"] for item in page.items]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] > ranks[-1]


@pytest.fixture(params=["recent", "few", "planned"])
def tier(request, monkeypatch):
    """Makes the named tier the first to answer, to show each gives the same pages."""
    tiers = search_module.TIERS
    monkeypatch.setattr(search_module, "TIERS", tiers[tiers.index(request.param):])
    return request.param


def test_every_tier_pages_through_all_matches_in_order(db, corpus, tier):
    # 40 matches and 20 others in three partitions' worth of posts, some at the same second.
    expected = []
    for n in range(60):
        group_id, post_id, day = [(1, 10, 6), (1, 20, 21), (2, 10, 36)][n % 3]
        published = at(day, n % 24, 0 if n % 7 == 0 else n)
        text = f"погода номер {n}" if n % 3 != 1 or n % 2 == 0 else f"другое {n}"
        corpus(group_id, post_id, 100 + n, published, text)
        if "погода" in text:
            expected.append((published, group_id, 100 + n))
    expected = [(g, c) for _, g, c in sorted(expected, reverse=True)]

    assert search_comments(db, "погода", limit=7).plan == tier
    assert all_pages(db, "погода", 7) == expected
    assert all_pages(db, "погода", 500) == expected


def test_relevance_pages_are_the_same_whichever_tier_answers(db, corpus, monkeypatch):
    for n in range(30):
        corpus(1, 10, 100 + n, at(6, n % 24, n), "погода " * (1 + n % 4) + "слово " * (n % 5))
    first = search_comments(db, "погода", order="relevance", limit=500)
    assert first.plan == "few"
    paged = all_pages(db, "погода", 4, order="relevance")
    monkeypatch.setattr(search_module, "TIERS", ("planned",))
    assert search_comments(db, "погода", order="relevance", limit=4).plan == "planned"
    assert all_pages(db, "погода", 4, order="relevance") == paged == ids(first)


@pytest.mark.parametrize("order", ["newest", "relevance"])
def test_pages_stay_stable_while_new_comments_arrive(db, corpus, order):
    for n in range(12):
        corpus(1, 10, 100 + n, at(6, n), "погода " * (1 + n % 3))
    first = search_comments(db, "погода", order=order, limit=5)
    # New comments arrive: newer than everything, and better matches than anything.
    for n in range(5):
        corpus(1, 20, 200 + n, at(22, n), "погода погода погода погода")
    second = search_comments(db, "погода", order=order, limit=5, cursor=first.next_cursor)
    third = search_comments(db, "погода", order=order, limit=5, cursor=second.next_cursor)
    seen = ids(first) + ids(second) + ids(third)
    assert sorted(seen) == [(1, 100 + n) for n in range(12)]
    assert third.next_cursor is None


HOSTILE = [
    "", "   ", "\t\n", '"', "'", "''", '"unbalanced', "''; DROP TABLE vk.comments; --",
    "погода' OR '1'='1", "1; SELECT pg_sleep(10)", "& | ! <-> : * ( )", "погода & | !",
    "!!!", "((((", "погода:*", "a:A & b:*B", "<2> <-> <->", "%s %(words)s $1 ?", "\\", "\\x00",
    "погода\x00 x", "\ud800 broken surrogate", "-погода", "- - -", "or or or", "и в на",
    "#", "@", "#@#@", "@@@ ###", "日本語 テキスト", "🔥🔥🔥", "погода" * 2000,
    "слово " * 2000, "\"" * 10_000, "#тег " * 2000, "x" * 10_240,
]


@pytest.mark.parametrize("order", ["newest", "relevance"])
@pytest.mark.parametrize("filters", [{}, {"group_id": 1, "since": at(1)}], ids=["all", "filtered"])
def test_hostile_input_is_only_ever_text(db, corpus, order, filters, monkeypatch):
    corpus(1, 10, 11, at(6), "погода и DROP TABLE comments")
    for tiers in (search_module.TIERS, ("planned",)):
        monkeypatch.setattr(search_module, "TIERS", tiers)
        for text in HOSTILE:
            page = search_comments(db, text, order=order, limit=10, **filters)
            assert isinstance(page.items, list), repr(text[:40])
    assert db.execute("SELECT count(*) AS n FROM vk.comments").fetchone()["n"] == 1


def test_sql_looking_words_are_searched_as_words(db, corpus):
    corpus(1, 10, 11, at(6), "погода и DROP TABLE comments")
    assert ids(search_comments(db, "'; DROP TABLE comments; --")) == [(1, 11)]
    assert ids(search_comments(db, "'; DROP TABLE vk.posts; --")) == []
    # OR is websearch syntax: "погода, or the phrase 1 1"; never SQL.
    assert ids(search_comments(db, "погода' OR '1'='1")) == [(1, 11)]
    assert ids(search_comments(db, "ветер' OR '1'='1")) == []


def test_a_ten_kilobyte_query_is_cut_not_refused(db, corpus):
    corpus(1, 10, 11, at(6), "погода")
    terms = SearchTerms.parse("погода " + "x" * 10_240)
    assert terms.words == "погода"
    assert ids(search_comments(db, "погода " + "слово " * 2000)) == []
    assert ids(search_comments(db, "погода " + "или " * 2000)) == [(1, 11)]


def test_cursors_are_opaque_and_bound_to_their_query(db, corpus):
    for n in range(6):
        corpus(1, 10, 100 + n, at(6, n), "погода")
    page = search_comments(db, "погода", limit=2)
    assert page.next_cursor and "погода" not in page.next_cursor
    with pytest.raises(CursorError, match="different query"):
        search_comments(db, "погодка", limit=2, cursor=page.next_cursor)
    with pytest.raises(CursorError, match="different query"):
        search_comments(db, "погода", group_id=1, limit=2, cursor=page.next_cursor)
    for garbage in ("", "!!!", "eyJhIjoxfQ", page.next_cursor[:-3], "x" * 5000):
        with pytest.raises(CursorError):
            search_comments(db, "погода", limit=2, cursor=garbage)


@pytest.mark.parametrize("limit", [0, -1, 501, 2.5, True])
def test_limit_must_be_a_sensible_integer(db, limit):
    with pytest.raises(ValueError, match="limit"):
        search_comments(db, "погода", limit=limit)


def test_ids_beyond_bigint_are_refused_before_the_database(db):
    with pytest.raises(ValueError, match="group_id"):
        search_comments(db, "погода", group_id=2**70)


def test_statistics_send_a_rare_word_past_the_newest_comments_probe(db, corpus, monkeypatch):
    for n in range(200):
        text = "погода " + ("криптограф" if n in (17, 170) else f"слово{n}") if n % 4 else f"другое {n}"
        corpus(1, 10, 100 + n, at(6, n % 24, n % 60), text)
    statements = []
    real_load_sql = search_module.load_sql
    monkeypatch.setattr(search_module, "load_sql",
                        lambda name: statements.append(name) or real_load_sql(name))

    # Not analysed yet: every tier is tried in turn.
    assert search_module.word_facts(db, "криптографы") is None
    assert ids(search_comments(db, "криптографы", limit=20)) == [(1, 117), (1, 270)]
    assert "search_comments_recent" in statements

    db.execute("ANALYZE vk.comments")
    monkeypatch.setattr(search_module, "_statistics", {})
    assert 0.7 < search_module.word_facts(db, "погода").newest_share < 0.8
    assert 140 < search_module.word_facts(db, "погода").matches < 160
    assert search_module.word_facts(db, "криптографы").matches < 4
    assert search_module.word_facts(db, "погода криптографы").newest_share < 0.02
    # A word left out counts for nothing, and words any one of which will do are the planner's.
    assert search_module.word_facts(db, "погода -криптографы").matches == \
        search_module.word_facts(db, "погода").matches
    assert search_module.word_facts(db, "погода or криптографы") is None
    assert search_module.word_facts(db, '"погода криптографы"').phrase
    statements.clear()
    page = search_comments(db, "криптографы", limit=20)
    assert (ids(page), page.plan) == ([(1, 117), (1, 270)], "few")
    assert "search_comments_recent" not in statements
    assert search_comments(db, "погода", limit=20).plan == "recent"
    # More matches than the cap, by the statistics alone: straight to the months walk.
    monkeypatch.setattr(search_module, "GATHER_CAP", 100)
    statements.clear()
    assert search_comments(db, "погода", order="relevance", limit=20).plan == "months"
    assert statements.count("search_comments_recent") == statements.count("search_comments_few") == 0


def test_searching_leaves_the_connection_as_it_was(database, corpus):
    corpus(1, 10, 11, at(6), "погода")
    with database.connection() as conn:  # pooled, in a transaction, as assets hold them
        settings = ("SELECT current_setting('plan_cache_mode') AS plans, "
                    "current_setting('max_parallel_workers_per_gather') AS workers")
        before = conn.execute(settings).fetchone()
        assert before["workers"] != "0"  # what a search turns off for its own statements
        assert ids(search_comments(conn, "погода")) == [(1, 11)]
        assert ids(search_comments(conn, '"погода"')) == [(1, 11)]  # a phrase's plans too
        assert conn.execute(settings).fetchone() == before
