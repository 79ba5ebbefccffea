"""The pair index (migration 0017) may only ever narrow a phrase search, never lose a match: for
every text and every phrase, a comment the phrase matches holds every pair key the phrase's
query names. And it must narrow: two adjacent words are found exactly where they stand
together."""

from __future__ import annotations

import random

import pytest

# Common Russian words, stop words ('в', 'и', 'на'), a hyphenated word (three lexemes at three
# positions), English, numbers and a quote: the shapes a tsvector's positions come in.
VOCABULARY = ["погода", "маркер", "в", "москве", "и", "на", "санкт-петербург", "снег", "дождь",
              "погоды", "new", "york", "it's", "2026", "ветер", "сильный", "очень"]


def _texts(count: int) -> list[str]:
    chance = random.Random(12)
    texts = [" ".join(chance.choice(VOCABULARY) for _ in range(chance.randint(1, 14)))
             for _ in range(count)]
    return texts + ["погода погода погода маркер", "маркер, погода! маркер"]


def _phrases(texts: list[str]) -> list[str]:
    """Quoted runs of two to four words cut from the texts (so most match somewhere), and
    two-word phrases of any two words (so most match nowhere)."""
    chance = random.Random(7)
    phrases = set()
    for text in texts[:120]:
        words = text.split()
        if len(words) >= 2:
            start = chance.randrange(len(words) - 1)
            phrases.add('"' + " ".join(words[start:start + chance.randint(2, 4)]) + '"')
    phrases |= {f'"{a} {b}"' for a in VOCABULARY[:8] for b in VOCABULARY[:8]}
    phrases |= {'"погода в москве" снег', '"new york" -дождь', '"санкт-петербург снег"'}
    return sorted(phrases)


def test_a_match_of_a_phrase_always_holds_its_pairs(db):
    texts, phrases = _texts(400), _phrases(_texts(400))
    rows = db.execute(
        """
        WITH document AS (SELECT t, to_tsvector('russian', t) AS search FROM unnest(%s::text[]) AS t),
             phrase AS (SELECT p, websearch_to_tsquery('russian', p) AS q FROM unnest(%s::text[]) AS p)
        SELECT phrase.p AS phrase,
               vk.tsquery_pairs(querytree(phrase.q)) AS pairs,
               count(*) FILTER (WHERE search @@ q) AS matches,
               count(*) FILTER (WHERE search @@ q
                                AND NOT vk.lexeme_pairs(search) @> vk.tsquery_pairs(querytree(q)))
                   AS matches_without_pairs,
               count(*) FILTER (WHERE vk.lexeme_pairs(search) @> vk.tsquery_pairs(querytree(q)))
                   AS holding_pairs
        FROM document CROSS JOIN phrase
        GROUP BY phrase.p, phrase.q
        """, (texts, phrases)).fetchall()
    paired = [row for row in rows if row["pairs"]]
    assert len(paired) > 60 and sum(row["matches"] for row in paired) > 300
    assert [row["phrase"] for row in paired if row["matches_without_pairs"]] == []
    # Two adjacent words hold their pair exactly where the phrase matches them: the index
    # narrows to the answer itself.
    two_words = [row for row in paired if row["phrase"].count(" ") == 1 and " в " not in row["phrase"]]
    assert len(two_words) > 30
    assert [(row["phrase"], row["matches"], row["holding_pairs"]) for row in two_words
            if row["matches"] != row["holding_pairs"]] == []


@pytest.mark.parametrize("phrase", ['"погода маркер"', '"погода ветер"'])
def test_positions_past_the_last_a_tsvector_holds_still_give_every_pair(db, phrase):
    # 'погода' lands at position 16382, and both words after it at 16383, the last a tsvector
    # holds: the phrase operator sees either right after 'погода', and the pairs must too.
    text = " ".join(["слово"] * 16_381) + " погода маркер ветер"
    row = db.execute(
        "SELECT to_tsvector('russian', %(text)s) @@ websearch_to_tsquery('russian', %(phrase)s) AS matches, "
        "vk.lexeme_pairs(to_tsvector('russian', %(text)s)) "
        "@> vk.tsquery_pairs(querytree(websearch_to_tsquery('russian', %(phrase)s))) AS holds",
        {"text": text, "phrase": phrase}).fetchone()
    assert row["matches"] is True and row["holds"] is True


@pytest.mark.parametrize("query, pairs", [
    ('"погода маркер"', 1),
    ('"санкт-петербург снег"', 3),  # the hyphenated word's own lexemes stand side by side too
    ('"погода в москве"', None),  # <2>: any word may stand between, no pair is certain
    ('"погода маркер" or "снег дождь"', None),  # either may match
    ("погода маркер", None),  # no phrase
    ('"погода маркер" -дождь', 1),  # the negation goes, the phrase stays
    ('"new york погода"', 2),  # English words are stemmed and paired alike
    ("\"it's погода\"", None),  # English stop words: 'погод' alone
])
def test_the_pairs_a_query_names(db, query, pairs):
    found = db.execute("SELECT vk.tsquery_pairs(querytree(websearch_to_tsquery('russian', %s))) "
                       "AS pairs", (query,)).fetchone()["pairs"]
    assert (None if found is None else len(found)) == pairs
