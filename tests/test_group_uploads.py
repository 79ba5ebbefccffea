"""Uploaded group files against the stand-in: every line gets the right outcome."""

from datetime import date

import pytest
from dagster import materialize

from assets.group_files.uploads import process_upload
from assets.groups import groups
from resources.vk import VkApiResource
from vk_standin.server import StandInServer
from vk_standin.world import World

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def world():
    return World(seed=3, n_groups=10)


@pytest.fixture(scope="module")
def server(world):
    with StandInServer(world) as server:
        yield server


@pytest.fixture
def client(server):
    return VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000,
                         backoff_base_seconds=0.01).get_client()


def ids_by_kind(world) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for group in world.groups():
        if group.get("deactivated"):
            kind = group["deactivated"]
        else:
            kind = {0: "open", 1: "closed", 2: "private"}[group["is_closed"]]
        kinds.setdefault(kind, []).append(group)
    return kinds


def every_bad_form_file(world) -> tuple[bytes, dict[int, str]]:
    """A Windows-1251 CSV with CRLF, a header, comments, blanks, every reference form and junk;
    returns the bytes and the outcome expected on each physical line."""
    kinds = ids_by_kind(world)
    a, b, c = kinds["open"][:3]
    lines = [
        ("ссылка;комментарий", None),                          # header
        (f"https://vk.com/club{a['id']};первая", "loaded"),
        (f"vk.ru/public{b['id']}/;", "loaded"),
        (f"https://m.vk.com/{c['screen_name']}?from=search;", "loaded"),
        (f"@{a['screen_name']};та же, что в строке 2", "duplicate"),  # same group, other form
        (f"-{b['id']};", "duplicate"),
        (f"{c['id']};", "duplicate"),
        ("", None),                                            # blank
        ("# список проверен вручную", None),                   # comment
        (f"{kinds['closed'][0]['screen_name']};", "closed"),
        (f"vk.com/{kinds['private'][0]['screen_name']};", "private"),
        (f"vk.com/event{kinds['deleted'][0]['id']};", "deleted"),
        (f"{kinds['banned'][0]['screen_name']};", "banned"),
        ("nosuchcommunity_zz;", "not_found"),
        ("999999999;", "not_found"),
        ("привет мир;", "unparseable"),
        ("https://google.com/search?q=vk;", "unparseable"),
        ("vk.com/id123;", "unparseable"),                       # a person, not a community
        (f"https://vk.com/club{a['id']};снова", "duplicate"),
    ]
    text = "\r\n".join(line for line, _ in lines) + "\r\n"
    expected = {number: outcome for number, (_, outcome) in enumerate(lines, start=1) if outcome}
    return text.encode("cp1251"), expected


def test_every_line_of_a_messy_file_gets_the_right_outcome(db, client, world):
    data, expected = every_bad_form_file(world)
    result = process_upload(db, client, "список групп.csv", data, snapshot_date=TODAY)
    assert result.status == "processed"

    rows = db.execute(
        "SELECT line_no, outcome, reason, group_id FROM vk.group_upload_lines ORDER BY line_no").fetchall()
    assert {row["line_no"]: row["outcome"] for row in rows} == expected
    assert all(row["reason"] for row in rows if row["outcome"] != "loaded")
    upload = db.execute("SELECT * FROM vk.group_uploads").fetchone()
    assert (upload["lines_total"], upload["loaded_count"], upload["duplicate_count"],
            upload["not_found_count"], upload["unparseable_count"]) == (len(expected), 3, 4, 2, 3)
    assert (upload["closed_count"], upload["private_count"], upload["deleted_count"],
            upload["banned_count"]) == (1, 1, 1, 1)

    stored = db.execute("SELECT group_id, validation_status, is_monitored FROM vk.groups").fetchall()
    assert len(stored) == 7  # three open, one each closed, private, deleted, banned
    assert sum(1 for g in stored if g["validation_status"] == "valid") == 3
    snapshots = db.execute("SELECT count(*) AS n FROM vk.group_snapshots WHERE snapshot_date = %s",
                           (TODAY,)).fetchone()["n"]
    # VK gives deleted and banned communities no members count: no snapshot for those two.
    assert snapshots == 5


def test_the_same_file_again_changes_nothing(db, client, world):
    data, _ = every_bad_form_file(world)
    process_upload(db, client, "a.csv", data, snapshot_date=TODAY)
    before = [db.execute(f"SELECT * FROM vk.{t} ORDER BY 1, 2").fetchall()
              for t in ("groups", "group_uploads", "group_upload_lines", "group_snapshots")]
    again = process_upload(db, client, "renamed copy.csv", data, snapshot_date=TODAY)
    after = [db.execute(f"SELECT * FROM vk.{t} ORDER BY 1, 2").fetchall()
             for t in ("groups", "group_uploads", "group_upload_lines", "group_snapshots")]
    assert again.status == "already_seen"
    assert after == before


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.csv", b"", "empty"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        ("noise.txt", bytes(range(256)) * 8, "binary"),
    ],
)
def test_a_file_that_is_not_a_list_is_refused_and_recorded(db, client, name, data, reason):
    result = process_upload(db, client, name, data, snapshot_date=TODAY)
    assert result.status == "refused"
    upload = db.execute("SELECT status, refusal_reason, lines_total FROM vk.group_uploads").fetchone()
    assert upload["status"] == "refused" and upload["lines_total"] == 0
    assert reason.lower() in upload["refusal_reason"].lower()
    assert db.execute("SELECT count(*) AS n FROM vk.groups").fetchone()["n"] == 0


def test_a_replacing_list_soft_deletes_the_communities_left_off(db, client, world):
    open_groups = ids_by_kind(world)["open"]
    process_upload(db, client, "first.txt", "\n".join(str(g["id"]) for g in open_groups[:4]).encode(),
                   snapshot_date=TODAY)
    process_upload(db, client, "second.txt", f"{open_groups[0]['id']}\n".encode(),
                   snapshot_date=TODAY, replace_list=True)
    rows = db.execute("SELECT group_id, is_monitored, unmonitored_at FROM vk.groups ORDER BY group_id").fetchall()
    assert len(rows) == 4  # kept, with their history
    monitored = [row["group_id"] for row in rows if row["is_monitored"]]
    assert monitored == [open_groups[0]["id"]]
    assert all(row["unmonitored_at"] for row in rows if not row["is_monitored"])


def test_the_groups_asset_reports_uploads_and_refreshes(db, database, server, dagster_instance, world, tmp_path):
    upload = tmp_path / "groups.csv"
    upload.write_bytes(every_bad_form_file(world)[0])
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 8)
    vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000)
    result = materialize(
        [groups], resources={"database": database, "vk": vk}, instance=dagster_instance,
        run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload), str(junk)]}}}},
    )
    metadata = result.asset_materializations_for_node("groups")[0].metadata
    assert metadata["upload_lines_by_outcome"].value == {
        "banned": 1, "closed": 1, "deleted": 1, "duplicate": 4, "loaded": 3, "not_found": 2,
        "private": 1, "unparseable": 3}
    assert metadata["monitored_groups"].value == 7
    assert "refused" in metadata["uploads"].value and "junk.txt" in metadata["uploads"].value
