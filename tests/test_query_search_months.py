"""Search on words whose matches lie in different places in time (spread evenly, bunched in an
old month, in the newest days, split between two distant periods): on a small table with its
statistics made by ANALYZE, the tier that the words' whereabouts call for answers, and every
page, through every filter and in both orders, equals a brute-force query's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from query import search_comments
from query import search as search_module
from query import search_months

START = datetime(2026, 1, 1, tzinfo=UTC)
MONTHS = 4
PER_MONTH = 400
# word -> (distribution, which comments of month m, number n within the month, hold it)
WORDS = {
    "редкое": lambda m, n: n % 97 == 5 and m in (0, 3),  # spread, a handful
    "ровное": lambda m, n: n % 10 == 3,  # spread, a tenth of every month
    "старое": lambda m, n: m == 0 and n % 4 == 1,  # bunched in the oldest month
    "свежее": lambda m, n: m == MONTHS - 1 and n >= PER_MONTH - 60,  # the newest days
    "двойное": lambda m, n: (m == 0 and n % 8 == 2) or (m == MONTHS - 1 and 20 <= n < 70),
}
FIRST_TIER = {  # (word, order) -> the tier the statistics send the first page to
    ("редкое", "newest"): "few", ("редкое", "relevance"): "few",
    ("ровное", "newest"): "recent", ("ровное", "relevance"): "months",
    ("старое", "newest"): "months", ("старое", "relevance"): "months",
    ("свежее", "newest"): "recent", ("свежее", "relevance"): "months",
    ("двойное", "newest"): "months", ("двойное", "relevance"): "months",
}


@pytest.fixture
def timeline(db, rows, monkeypatch):
    """MONTHS monthly partitions of PER_MONTH comments each, on two groups' posts, in time
    order within each month; a comment of the first month's post arrives in the last month."""
    db.execute("SELECT vk.ensure_comment_partitions(%s, %s)", (START, START + timedelta(days=31 * MONTHS)))
    rows.group(1)
    rows.group(2)
    comments, comment_id = [], 0
    for m in range(MONTHS):
        month = (START + timedelta(days=31 * m)).replace(day=1)
        for group_id in (1, 2):
            rows.post(group_id, 1000 * (m + 1), month)
        for n in range(PER_MONTH):
            comment_id += 1
            group_id = 1 + n % 2
            words = [word for word, holds in WORDS.items() if holds(m, n)]
            text = " ".join(words * (1 + n % 3)) + f" текст{n % 50} и ещё слова"
            published = month + timedelta(minutes=100 * n + n % 7)
            comments.append((group_id, 1000 * (m + 1), comment_id, month, published, text,
                             500 + n % 9, ["новости"] if n % 3 == 0 else []))
    # Late: on the oldest post, newer than anything of the months between.
    comments.append((1, 1000, 99_999, START, START + timedelta(days=31 * (MONTHS - 1) + 20),
                     "старое ровное двойное поздно", 501, []))
    with db.cursor() as cursor:  # one round trip for them all: 35 tests make this table
        cursor.executemany(
            "INSERT INTO vk.comments (group_id, post_id, comment_id, post_published_at, "
            "published_at, text, from_id, hashtags, raw) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '{}')", comments)
    db.execute("ANALYZE vk.comments")
    # The cap in proportion to this small table: the bunched words have more matches.
    monkeypatch.setattr(search_module, "GATHER_CAP", 30)
    monkeypatch.setattr(search_module, "RELEVANCE_WINDOW", 90)
    return db


def brute_force(db, text: str, order: str, group_id=None, author_id=None, since=None, until=None):
    terms = search_module.SearchTerms.parse(text)
    rows = db.execute(
        """
        WITH matches AS (
            SELECT group_id, comment_id, published_at,
                   ts_rank(search, websearch_to_tsquery('russian', %(words)s), 1) AS rank
            FROM vk.comments
            WHERE NOT is_deleted AND search @@ websearch_to_tsquery('russian', %(words)s)
              AND (%(hashtags)s::text[] IS NULL OR hashtags @> %(hashtags)s)
              AND (%(group_id)s::bigint IS NULL OR group_id = %(group_id)s)
              AND (%(author_id)s::bigint IS NULL OR from_id = %(author_id)s)
              AND (%(since)s::timestamptz IS NULL OR published_at >= %(since)s)
              AND (%(until)s::timestamptz IS NULL OR published_at < %(until)s)
            ORDER BY published_at DESC, group_id DESC, comment_id DESC
            LIMIT %(window)s
        )
        SELECT group_id, comment_id FROM matches
        ORDER BY CASE WHEN %(ranked)s THEN rank ELSE 0 END DESC,
                 published_at DESC, group_id DESC, comment_id DESC
        """, {"words": terms.words, "hashtags": list(terms.hashtags) or None,
              "group_id": group_id, "author_id": author_id, "since": since, "until": until,
              "ranked": order == "relevance",
              "window": search_module.RELEVANCE_WINDOW if order == "relevance" else 10**9},
    ).fetchall()
    return [(row["group_id"], row["comment_id"]) for row in rows]


def pages(db, text: str, order: str, limit: int, **filters) -> tuple[list[str], list]:
    tiers, found, cursor = [], [], None
    while True:
        page = search_comments(db, text, order=order, limit=limit, cursor=cursor, **filters)
        tiers.append(page.plan)
        found += [(item["group_id"], item["comment_id"]) for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return tiers, found


@pytest.mark.parametrize("order", ["newest", "relevance"])
@pytest.mark.parametrize("word", list(WORDS))
def test_each_distribution_is_answered_by_its_tier_exactly(timeline, word, order):
    expected = brute_force(timeline, word, order)
    assert len(expected) >= 5
    tiers, found = pages(timeline, word, order, 20)
    assert tiers[0] == FIRST_TIER[(word, order)]
    assert found == expected


FILTERS = {
    "one group": dict(group_id=2),
    "date range": dict(since=START + timedelta(days=10), until=START + timedelta(days=100)),
    "one author": dict(author_id=501),
}


@pytest.mark.parametrize("order", ["newest", "relevance"])
@pytest.mark.parametrize("text", ["старое", "двойное ровное", '"двойное двойное"', "свежее #новости"])
@pytest.mark.parametrize("filter_name", list(FILTERS))
def test_filters_words_and_phrases_page_exactly_whatever_tier(timeline, text, order, filter_name):
    filters = FILTERS[filter_name]
    expected = brute_force(timeline, text, order, **filters)
    tiers, found = pages(timeline, text, order, 7, **filters)
    assert found == expected
    if filter_name == "one author":
        assert set(tiers) == {"planned"}


def test_the_walk_stops_at_the_month_that_fills_the_page(timeline):
    from query import search_months
    from query.search import _bounds

    params = {"words": "старое", "hashtags": None, "mentions": None, "pairs": None, "group_id": None,
              "since": None, "ranked": False, **_bounds({}, None)}
    # The newest 21 of the oldest month's word: the late comment in the last month, then the
    # oldest month; the two months between are asked (their newest comments are newer) and
    # answer nothing.
    keys, asked = search_months.newest_matches(timeline, params, 21)
    assert keys[0][2] == 99_999 and len(keys) == 21 and asked == MONTHS
    # Ten matches of the newest month's word fill the page from that month alone.
    keys, asked = search_months.newest_matches(timeline, {**params, "words": "свежее"}, 10)
    assert len(keys) == 10 and asked == 1


def test_a_month_is_read_the_way_its_statistics_say_costs_least():
    shares = search_months.MonthShares
    # A month of the 5 M benchmark corpus (220,000 comments), a page of 50 (51 wanted).
    # The broad word, in a third: 460 comments walked.
    assert search_months.reading(51, shares(220_000, 0.33, 0.33, 0.0, 0.33)) == "walk"
    # A word in 440 of them: every match from the heap, rather than count 76,500 comments.
    assert search_months.reading(51, shares(220_000, 0.002, 0.002, 0.0, 0.002)) == "gather"
    # A word in 2 %: 7,650 comments walked or 4,400 matches gathered, where a window of 7,650
    # comments counted in the time index holds about 150 of them.
    assert search_months.reading(51, shares(220_000, 0.02, 0.02, 0.0, 0.02)) == "windows"
    # Three words expected together in 1.7 % as independent words, but the rarest in 22 %:
    # they may stand together in as many (a topic's words do), and a gather reads them all.
    assert search_months.reading(51, shares(220_000, 0.017, 0.22, 0.0, 0.79)) == "windows"


@pytest.fixture
def windowed(monkeypatch):
    """Costs under which a window is cheaper than a walk in these small months, and the
    window edges asked for (the comments each window counts)."""
    monkeypatch.setattr(search_months, "STATEMENT_COST", 0)
    monkeypatch.setattr(search_months, "BITMAP_ENTRY_COST", 0.0)
    edges = []
    real = search_months._edge
    monkeypatch.setattr(search_months, "_edge", lambda conn, params, partition: edges.append(
        params["skip"] + 1) or real(conn, params, partition))
    return edges


@pytest.mark.parametrize("order", ["newest", "relevance"])
@pytest.mark.parametrize("text, filters, counted", [
    ("старое", {}, True), ("ровное", {}, True), ("двойное", {}, True),
    ("старое", FILTERS["one group"], True), ("ровное", FILTERS["date range"], True),
    ("двойное ровное", {}, False),  # rare together: gathered
])
def test_months_read_through_windows_page_exactly(timeline, windowed, text, filters, counted,
                                                  order):
    expected = brute_force(timeline, text, order, **filters)
    tiers, found = pages(timeline, text, order, 7, **filters)
    assert found == expected and len(found) >= 5
    # Newest first, a page wants 8 matches, three times over a window; ranked, 90 (the
    # relevance window here), more than gathering these months' matches costs.
    assert bool(windowed) == (counted and order == "newest")


def test_a_window_counts_comments_in_its_month_and_reads_only_its_matches(timeline, windowed,
                                                                          monkeypatch):
    windows = []
    real = search_months._window
    monkeypatch.setattr(search_months, "_window", lambda conn, params: windows.append(
        params["window_start"]) or real(conn, params))
    walks = []
    monkeypatch.setattr(search_months, "_walk", lambda conn, params: walks.append(params))
    tiers, found = pages(timeline, "старое", "newest", 7)
    assert tiers[0] == "months" and found == brute_force(timeline, "старое", "newest")
    # The oldest month's tail first (its late comment, written in the newest month, where
    # February's statistics say the word is rare), then 'старое', a quarter of the month: the
    # 7 matches still wanted, three times over, take a window of 84 comments counted back from
    # the month's end.
    january_end = START.replace(month=2)
    assert windows[0] == january_end and windowed[0] == 84 and not walks
    first = timeline.execute(
        "SELECT published_at FROM vk.comments_2026_01 WHERE NOT is_deleted AND published_at < %s "
        "ORDER BY published_at DESC OFFSET 83 LIMIT 1", (january_end,)).fetchone()["published_at"]
    assert windows[1] == first


@pytest.fixture
def crowded(db, rows, monkeypatch):
    """One month of 400 comments, oldest to newest (n = 0..399), where the statistics mislead:
    'альфа' and 'бета' are each in four comments of five but stand side by side only in the
    six oldest of them; 'поздний' is in seven of eight, every comment but the newest 50."""
    month = datetime(2026, 3, 1, tzinfo=UTC)
    db.execute("SELECT vk.ensure_comment_partitions(%s, %s)", (month, month + timedelta(days=31)))
    for group_id in (1, 2):
        rows.group(group_id)
        rows.post(group_id, 1, month)
    comments = []
    for n in range(400):
        words = []
        if n % 5 != 0:
            words.append("альфа")
        if n < 10 and n % 5 > 1:
            words.append("бета")  # side by side with 'альфа'
        words.append(f"слово{n % 40}")
        if n % 5 != 1 and not (n < 10 and n % 5 > 1):
            words.append("бета")
        if n < 350:
            words.append("поздний")
        comments.append((1 + n % 2, 1, 10_000 + n, month, month + timedelta(minutes=100 * n),
                         " ".join(words), 900 + n % 7))
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO vk.comments (group_id, post_id, comment_id, post_published_at, "
            "published_at, text, from_id, raw) VALUES (%s, %s, %s, %s, %s, %s, %s, '{}')", comments)
    db.execute("ANALYZE vk.comments")
    statements = []
    real_walk = search_months._walk
    monkeypatch.setattr(search_months, "_walk", lambda conn, params: statements.append(
        ("search_month_walk", params["walk_rows"])) or real_walk(conn, params))
    real_gather = search_months._gather
    monkeypatch.setattr(search_months, "_gather", lambda conn, params: statements.append(
        ("gather", None)) or real_gather(conn, params))
    return db, statements


def _walk(db, text: str, want: int, months=None):
    from query.search import _bounds

    words = search_module.SearchTerms.parse(text).words
    params = {"words": words, "hashtags": None, "mentions": None, "pairs": None, "group_id": None,
              "since": None, "ranked": False, **_bounds({}, None)}
    months = months or search_module.word_facts(db, words).months
    keys, _ = search_months.newest_matches(db, params, want, months)
    return [(key[1], key[2]) for key in keys]


def test_the_pair_statistics_see_words_common_alone_seldom_stand_together(crowded):
    db, _ = crowded
    facts = search_module.word_facts(db, '"альфа бета"')
    month = facts.months[datetime(2026, 3, 1, tzinfo=UTC)]
    # Each word in 80 % of the month; side by side in 6 comments of 400, as the pair index's
    # statistics count them: gathered, and few enough for the second tier.
    assert facts.phrase and facts.paired and month.together == pytest.approx(6 / 400)
    assert search_months.reading(5, month) == "gather" and facts.matches == pytest.approx(6)
    assert not search_module.word_facts(db, "альфа бета").paired  # no phrase, no pairs


def test_a_reader_sees_the_pair_statistics_it_may_not_read_in_pg_stats(crowded):
    db, _ = crowded
    db.execute("SET ROLE vk_reader")
    try:
        # pg_stats shows an index's statistics to its owner only: vk_reader sees none there.
        assert db.execute("SELECT count(*) AS n FROM pg_stats WHERE attname = 'lexeme_pairs'"
                          ).fetchone()["n"] == 0
        facts = search_module.word_facts(db, '"альфа бета"')
        assert facts.paired and facts.matches == pytest.approx(6)
    finally:
        db.execute("RESET ROLE")


def _without_pair_statistics(db, monkeypatch):
    """As before the pair index's first ANALYZE: its statistics unknown in every month."""
    statistics = search_module._word_statistics(db)
    monkeypatch.setattr(statistics, "months", [(start, rows, shares, None)
                                               for start, rows, shares, _ in statistics.months])


def test_without_pair_statistics_a_phrase_is_taken_as_independent_words(crowded, monkeypatch):
    db, _ = crowded
    _without_pair_statistics(db, monkeypatch)
    facts = search_module.word_facts(db, '"альфа бета"')
    month = facts.months[datetime(2026, 3, 1, tzinfo=UTC)]
    assert facts.phrase and not facts.paired
    assert month.together == pytest.approx(0.64, abs=0.03) and month.rarest == pytest.approx(0.8, abs=0.03)


def test_a_walk_misled_by_words_common_alone_stops_at_its_bound_and_gathers_the_rest(crowded):
    db, statements = crowded
    # What the words' own statistics say of '"альфа бета"' (each word in 80 % of the month,
    # together, as independent words, in 64 %): walked. No statistic is exact, and the pair
    # index's may mislead the same way (a pair common in the month, but not in its newest part).
    misled = {datetime(2026, 3, 1, tzinfo=UTC): search_months.MonthShares(400, 0.64, 0.8)}
    assert search_months.reading(5, misled[datetime(2026, 3, 1, tzinfo=UTC)]) == "walk"
    expected = brute_force(db, '"альфа бета"', "newest")
    assert len(expected) == 6 and all(comment_id < 10_010 for _, comment_id in expected)
    assert _walk(db, '"альфа бета"', 5, misled) == expected[:5]
    # Stretches of 24, 96 and what is left of the ~138 comments that gathering could have
    # cost, then the GIN index for the rest: not the whole month through the time index.
    walks = [rows for statement, rows in statements if statement == "search_month_walk"]
    assert walks[:2] == [24, 96] and sum(walks) <= 140 and statements[-1] == ("gather", None)


def test_a_word_absent_from_the_newest_part_of_its_month_is_found_by_a_longer_stretch(crowded):
    db, statements = crowded
    expected = brute_force(db, "поздний", "newest")
    assert _walk(db, "поздний", 5) == expected[:5]
    # 18 comments (three times what 87.5 % needs) find nothing; the next 72 reach comment 349.
    assert statements == [("search_month_walk", 18), ("search_month_walk", 72)]
    # The walks' plan settings do not outlive them.
    settings = {row["name"]: row["setting"] for row in db.execute(
        "SELECT name, setting FROM pg_settings WHERE name IN "
        "('enable_sort', 'enable_bitmapscan', 'enable_seqscan', 'plan_cache_mode')").fetchall()}
    assert settings == {"enable_sort": "on", "enable_bitmapscan": "on", "enable_seqscan": "on",
                        "plan_cache_mode": "auto"}


@pytest.mark.parametrize("order", ["newest", "relevance"])
@pytest.mark.parametrize("statistics, read_rows, tiers", [
    ("pairs", 0, {"few"}),  # the pairs' statistics say they seldom stand together
    ("words", 200_000, {"few"}),  # few enough comments hold both words to read them all
    ("words", 0, {"months"}),  # or not
])
def test_a_phrase_of_words_common_alone_pages_exactly(crowded, monkeypatch, order, statistics,
                                                      read_rows, tiers):
    db, _ = crowded
    if statistics == "words":
        _without_pair_statistics(db, monkeypatch)
    monkeypatch.setattr(search_module, "PHRASE_READ_ROWS", read_rows)
    monkeypatch.setattr(search_module, "GATHER_CAP", 30)
    monkeypatch.setattr(search_module, "RELEVANCE_WINDOW", 90)
    answered, found = pages(db, '"альфа бета"', order, 4)
    assert found == brute_force(db, '"альфа бета"', order) and len(found) == 6
    assert set(answered) == tiers


@pytest.fixture
def tail(db, rows, monkeypatch):
    """Three months of 300 comments on their first day's post, written over the month; the
    topic 'сезон' in three of four of January's. January's last post, on the 28th, has 150
    comments more, written over the following four weeks, after the topic: the month's tail.
    February and March never use the word."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db.execute("SELECT vk.ensure_comment_partitions(%s, %s)", (start, start + timedelta(days=95)))
    rows.group(1)
    comments, comment_id = [], 0
    for m, month in enumerate([datetime(2026, month, 1, tzinfo=UTC) for month in (1, 2, 3)]):
        rows.post(1, 10 * m + 1, month)
        for n in range(300):
            comment_id += 1
            word = "сезон" if m == 0 and n % 4 != 0 else "погода"
            comments.append((10 * m + 1, comment_id, month, month + timedelta(minutes=120 * n),
                             f"{word} текст{n % 30}"))
    late_post = datetime(2026, 1, 28, tzinfo=UTC)
    rows.post(1, 2, late_post)
    for n in range(150):
        comment_id += 1
        comments.append((2, comment_id, late_post, late_post + timedelta(hours=4 * n + 1),
                         f"поздно текст{n % 30}"))
    with db.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO vk.comments (group_id, post_id, comment_id, post_published_at, "
            "published_at, text, from_id, raw) VALUES (1, %s, %s, %s, %s, %s, 900, '{}')", comments)
    db.execute("ANALYZE vk.comments")
    monkeypatch.setattr(search_module, "GATHER_CAP", 30)
    statements = []
    for name in ("_walk", "_gather", "_window"):
        real = getattr(search_months, name)
        monkeypatch.setattr(search_months, name, lambda conn, params, name=name, real=real: statements.append(
            (name, params["month_start"].month, params["month_end"].month)) or real(conn, params))
    return db, statements


def test_a_months_tail_the_following_month_says_is_bare_is_read_through_both_indexes(tail):
    db, statements = tail
    tiers, found = pages(db, "сезон", "newest", 20)
    assert found == brute_force(db, "сезон", "newest") and len(found) == 225
    assert tiers[0] == "months"
    # March and February, bare of the word by their statistics: gathered in one statement.
    # January: its tail (written in February, where the word is rare) through the window, then
    # its own comments walked, where the word is: one stretch fills the page.
    assert statements[:3] == [("_gather", 2, 4), ("_window", 1, 2), ("_walk", 1, 2)]



def test_months_are_gathered_together_only_up_to_the_matches_they_may_hold(tail, monkeypatch):
    db, statements = tail
    # 'сезон' is too rare in February and March to be listed: each may still hold as many
    # comments as their rarest listed word ('текстN', a thirtieth of 300), and two such months
    # exceed a bound of 15.
    monkeypatch.setattr(search_months, "GATHERED_TOGETHER", 15)
    tiers, found = pages(db, "сезон", "newest", 20)
    assert found == brute_force(db, "сезон", "newest")
    assert statements[:3] == [("_gather", 3, 4), ("_gather", 2, 3), ("_window", 1, 2)]
