"""Keyword watches end to end: a real database, a real Dagster materialization, and webhooks
answered by a local HTTP receiver (http.server in a thread): nothing leaves the machine.

The dataset (posts of 5 January 2026, Moscow days; comments' texts):

    community 1 "Alpha": post 10   c11 "Кофе у нас лучший"   c12 "чай"   c13 "кофе #акция"
                                   c14 deleted
    community 2 "Beta":  post 20   c21 "Кофе остыл"           c22 "'); DROP TABLE vk.comments; --"
    community 1, post 30 of 7 January: c31 "кофе" (outside the load of 5 January)
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import materialize

from assets import watches
from assets.partitions import PARTITION_TAG
from query.__main__ import main as query_main
from query.search import SearchTerms
from query.watches import add_watch
from resources.webhooks import mask_url

DAY = {"first_day": "2026-01-05", "last_day": "2026-01-05"}
POST_5, POST_7 = datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 7, 9, tzinfo=UTC)


class Receiver:
    """A webhook endpoint on loopback that answers with the statuses it is given, in turn
    (200 once they run out), and keeps every request it got."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.hold_seconds = 0.0  # how long each answer takes
        self.in_flight = self.most_in_flight = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": json.loads(body)})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                time.sleep(receiver.hold_seconds)
                with lock:
                    receiver.in_flight -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def comment_ids(self, request: dict) -> list[tuple[int, int]]:
        return [(hit["group_id"], hit["comment_id"]) for hit in request["body"]["hits"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def dataset(db, rows):
    db.execute("SELECT vk.ensure_comment_partitions('2026-01-01', '2026-02-01')")
    rows.group(1, name="Alpha", screen_name="alpha")
    rows.group(2, name="Beta")
    rows.post(1, 10, POST_5)
    rows.post(2, 20, POST_5)
    rows.post(1, 30, POST_7)
    for group_id, post_id, post_time, comment_id, text, extra in (
            (1, 10, POST_5, 11, "Кофе у нас лучший", {}),
            (1, 10, POST_5, 12, "чай", {}),
            (1, 10, POST_5, 13, "кофе #акция", {"hashtags": ["акция"]}),
            (1, 10, POST_5, 14, "", {"is_deleted": True, "from_id": None}),
            (2, 20, POST_5, 21, "Кофе остыл", {}),
            (2, 20, POST_5, 22, "'); DROP TABLE vk.comments; --", {}),
            (1, 30, POST_7, 31, "кофе", {})):
        rows.comment(group_id, post_id, comment_id, post_time, post_time.replace(hour=10),
                     text=text, from_id=extra.pop("from_id", 700 + comment_id), **extra)
    return rows


def _load(database, instance, days=DAY):
    result = materialize([watches.keyword_watches], resources={"database": database},
                         instance=instance, run_config={"ops": {"keyword_watches": {"config": days}}})
    assert result.success
    return result.asset_materializations_for_node("keyword_watches")[0].metadata


def test_the_hits_of_a_load_are_posted_once_and_a_rerun_posts_nothing(
        dataset, db, database, dagster_instance, receiver):
    add_watch(db, "coffee", "кофе", webhook_url=receiver.url())
    shown = _load(database, dagster_instance)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    # Matches of the 5 January load only; the deleted comment and 7 January's are not in it.
    assert receiver.comment_ids(request) == [(1, 11), (1, 13), (2, 21)]
    assert request["body"]["watch"] == {"id": 1, "name": "coffee", "query": "кофе"}
    assert request["body"]["hits"][0]["url"] == "https://vk.com/wall-1_10?reply=11"
    assert request["body"]["hits"][0]["text"] == "Кофе у нас лучший"
    assert request["headers"]["Idempotency-Key"] == request["body"]["delivery_id"]
    assert shown["new_hits"].value == 3 and shown["pending_hits"].value == 0
    assert "| coffee | кофе | all |" in shown["by_watch"].value
    assert "3 sent" in shown["by_watch"].value
    assert "wall-1_10?reply=13" in shown["new_hits_table"].value

    # The same days again (a rerun, a re-execution): nothing new, nothing posted.
    again = _load(database, dagster_instance)
    assert len(receiver.requests) == 1
    assert again["new_hits"].value == 0 and "nothing to send" in again["by_watch"].value
    # A comment that arrives with a later reload of the day is the only new hit.
    dataset.comment(1, 10, 15, POST_5, POST_5.replace(hour=11), text="ещё кофе", from_id=715)
    _load(database, dagster_instance)
    assert len(receiver.requests) == 2 and receiver.comment_ids(receiver.requests[1]) == [(1, 15)]
    assert db.execute("SELECT count(*) AS n FROM vk.watch_hits WHERE delivered_at IS NOT NULL"
                      ).fetchone()["n"] == 4


def test_a_failing_receiver_gets_the_same_hits_on_the_next_load(
        dataset, db, database, dagster_instance, receiver):
    add_watch(db, "coffee", "кофе", webhook_url=receiver.url())
    receiver.statuses = [500]
    failed = _load(database, dagster_instance)
    assert len(receiver.requests) == 1 and failed["pending_hits"].value == 3
    assert "3 failed: HTTP 500" in failed["by_watch"].value
    hits = db.execute("SELECT delivery_attempts, last_error, delivered_at FROM vk.watch_hits").fetchall()
    assert hits == [{"delivery_attempts": 1, "last_error": "HTTP 500", "delivered_at": None}] * 3

    # The next load (another day) finds nothing new here but delivers what is waiting.
    _load(database, dagster_instance, {"first_day": "2026-01-06", "last_day": "2026-01-06"})
    assert len(receiver.requests) == 2
    assert receiver.comment_ids(receiver.requests[1]) == receiver.comment_ids(receiver.requests[0])
    assert receiver.requests[1]["body"]["delivery_id"] == receiver.requests[0]["body"]["delivery_id"]
    assert db.execute("SELECT count(*) AS n FROM vk.watch_hits WHERE delivered_at IS NULL "
                      "OR delivery_attempts <> 2").fetchone()["n"] == 0
    _load(database, dagster_instance)
    assert len(receiver.requests) == 2


def test_webhooks_are_answered_side_by_side_and_each_outcome_is_its_own(
        dataset, db, database, dagster_instance, receiver):
    for name in ("one", "two", "three", "four"):
        add_watch(db, name, "кофе", webhook_url=receiver.url(f"/{name}"))
    receiver.hold_seconds, receiver.statuses = 0.5, [500]  # whichever POST comes first fails
    shown = _load(database, dagster_instance)
    assert sorted(r["path"] for r in receiver.requests) == ["/four", "/one", "/three", "/two"]
    assert receiver.most_in_flight >= 2  # not one after the other
    # The failed watch keeps its three hits for the next load; the others delivered theirs.
    assert shown["pending_hits"].value == 3
    assert db.execute("SELECT count(*) AS n FROM vk.watch_hits WHERE delivered_at IS NOT NULL"
                      ).fetchone()["n"] == 9


def test_an_unreachable_webhook_keeps_its_hits(dataset, db, database, dagster_instance, receiver):
    add_watch(db, "coffee", "кофе", webhook_url="http://127.0.0.1:9/hook?token=secret")
    shown = _load(database, dagster_instance)
    assert shown["pending_hits"].value == 3
    assert "secret" not in shown["by_watch"].value and "http://127.0.0.1:9/***?***" in shown["by_watch"].value


def test_a_watch_limited_to_one_community_never_sees_another(
        dataset, db, database, dagster_instance, receiver):
    add_watch(db, "coffee in beta", "кофе", groups=["2"], webhook_url=receiver.url("/beta"))
    add_watch(db, "coffee in alpha", "кофе", groups=["alpha"], webhook_url=receiver.url("/alpha"))
    add_watch(db, "promo", "#акция")  # no webhook: hits only stored
    _load(database, dagster_instance)
    by_path = {request["path"]: receiver.comment_ids(request) for request in receiver.requests}
    assert by_path == {"/beta": [(2, 21)], "/alpha": [(1, 11), (1, 13)]}
    assert [(row["comment_id"], row["delivered_at"]) for row in db.execute(
        "SELECT comment_id, delivered_at FROM vk.watch_hits WHERE watch_id = 3").fetchall()] == [(13, None)]


@pytest.mark.parametrize("text", [
    "'); DROP TABLE vk.comments; --",
    "%(start)s %s {watches} $1",
    '" OR 1=1 -- <script>alert(1)</script>',
    "comments\x00; DELETE FROM vk.watch_hits",
])
def test_hostile_watch_text_is_only_ever_text(dataset, db, database, dagster_instance, receiver, text):
    add_watch(db, "hostile", text, webhook_url=receiver.url())
    add_watch(db, "coffee", "кофе", webhook_url=receiver.url())
    _load(database, dagster_instance)
    # The tables are all there, and the other watch works as before.
    assert db.execute("SELECT count(*) AS n FROM vk.comments").fetchone()["n"] == 7
    coffee = [r for r in receiver.requests if r["body"]["watch"]["name"] == "coffee"]
    assert receiver.comment_ids(coffee[0]) == [(1, 11), (1, 13), (2, 21)]
    hostile = [r for r in receiver.requests if r["body"]["watch"]["name"] == "hostile"]
    found = receiver.comment_ids(hostile[0]) if hostile else []
    # Words match as words: the comment that holds the SQL matches the watch made of it.
    assert found == ([(2, 22)] if text.startswith("');") else [])
    if hostile:
        assert hostile[0]["body"]["watch"]["query"] == text


# Every shape a watch's text takes, each keyed its own way before it is tried (lexemes of its
# indexable part; its hashtag or mention; none: tried on every comment).
WATCH_SHAPES = ["кофе", '"кофе остыл"', "кофе -лучший", "чай or лучший", "-кофе", "чай or -кофе",
                "#акция", "кофе #акция", "@durov", "x.com/a'b", "#нет"]


def test_every_watch_finds_what_a_search_of_every_comment_finds(
        dataset, db, database, dagster_instance):
    dataset.comment(1, 10, 16, POST_5, POST_5.replace(hour=10), text="see x.com/a'b\\c/d", from_id=716)
    dataset.comment(2, 20, 23, POST_5, POST_5.replace(hour=10), text="кофе @durov",
                    mentions=["durov"], from_id=723)
    for n, text in enumerate(WATCH_SHAPES):
        add_watch(db, f"shape {n}", text)
    _load(database, dagster_instance)
    found = {}
    for row in db.execute("SELECT w.query, h.group_id, h.comment_id FROM vk.watch_hits AS h "
                          "JOIN vk.watches AS w USING (watch_id) ORDER BY 1, 2, 3").fetchall():
        found.setdefault(row["query"], []).append((row["group_id"], row["comment_id"]))
    # Brute force: search's own matching, each watch tried on each comment of the day.
    expected = {}
    for text in WATCH_SHAPES:
        terms = SearchTerms.parse(text)
        matched = db.execute(
            "SELECT group_id, comment_id FROM vk.comments, websearch_to_tsquery('russian', %(words)s) AS q "
            "WHERE post_published_at >= '2026-01-05' AND post_published_at < '2026-01-06' "
            "AND NOT is_deleted AND (%(hashtags)s::text[] IS NOT NULL OR %(mentions)s::text[] IS NOT NULL "
            "  OR numnode(q) > 0) AND (numnode(q) = 0 OR search @@ q) "
            "AND (%(hashtags)s::text[] IS NULL OR hashtags @> %(hashtags)s) "
            "AND (%(mentions)s::text[] IS NULL OR mentions @> %(mentions)s) ORDER BY 1, 2",
            {"words": terms.words, "hashtags": list(terms.hashtags) or None,
             "mentions": list(terms.mentions) or None}).fetchall()
        if matched:
            expected[text] = [(row["group_id"], row["comment_id"]) for row in matched]
    assert found == expected
    # The hand-checked ones: the brute force itself is right.
    assert expected["-кофе"] == [(1, 12), (1, 16), (2, 22)]
    assert expected["x.com/a'b"] == [(1, 16)] and expected["@durov"] == [(2, 23)]
    assert expected['"кофе остыл"'] == [(2, 21)] and "#нет" not in expected


def test_webhook_urls_are_masked():
    assert mask_url("https://user:pw@hooks.example.com/services/T0/B0/XYZ?token=abc") == \
        "https://***@hooks.example.com/***?***"
    assert mask_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"


def test_a_person_adds_a_watch_from_the_command_line(dataset, db, migrated_database, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", migrated_database)
    assert query_main(["watch", "add", "brand", "--text", '"лучший кофе" or #акция', "--group",
                       "alpha", "--webhook", "https://hooks.example.com/T/B/secret?k=v"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added 1 'brand'") and "in 1," in out and "secret" not in out
    assert db.execute("SELECT query, group_ids, webhook_url FROM vk.watches").fetchone() == {
        "query": '"лучший кофе" or #акция', "group_ids": [1],
        "webhook_url": "https://hooks.example.com/T/B/secret?k=v"}
    assert query_main(["watch", "add", "brand", "--text", "x"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert query_main(["watch", "add", "other", "--text", "x", "--group", "999"]) == 2
    assert "not monitored here: 999" in capsys.readouterr().err
    assert query_main(["watch", "add", "empty", "--text", "  #  "]) == 2
    assert query_main(["watch", "list"]) == 0
    assert "0 hits, 0 pending" in capsys.readouterr().out
    assert query_main(["watch", "remove", "brand"]) == 0
    assert db.execute("SELECT count(*) AS n FROM vk.watches").fetchone()["n"] == 0


def test_the_sensor_asks_for_one_watch_run_per_comments_load(dagster_instance):
    from dagster import AssetKey, DailyPartitionsDefinition, asset, build_sensor_context

    @asset(key=AssetKey("comments"), partitions_def=DailyPartitionsDefinition("2026-01-01"))
    def comments_stand_in():
        return None

    context = build_sensor_context(instance=dagster_instance)
    cursor = watches.watches_after_comments(context).cursor
    runs = [materialize([comments_stand_in], instance=dagster_instance, partition_key=day)
            for day in ("2026-01-05", "2026-01-06")]
    result = watches.watches_after_comments(build_sensor_context(instance=dagster_instance,
                                                                 cursor=cursor))
    assert [(r.run_key, r.run_config["ops"]["keyword_watches"]["config"]) for r in result.run_requests] == [
        (f"watches:{run.run_id}", {"first_day": day, "last_day": day})
        for run, day in zip(runs, ("2026-01-05", "2026-01-06"))]
    assert all(dagster_instance.get_run_by_id(run.run_id).tags[PARTITION_TAG] for run in runs)
    # Seen once: the next tick asks for nothing.
    assert not watches.watches_after_comments(build_sensor_context(
        instance=dagster_instance, cursor=result.cursor)).run_requests
