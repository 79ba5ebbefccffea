"""Small defects of the upload path: where a refused file goes the second time, what a reason
quotes, what a formula cell says, what the sensor tells of a duplicate it moved."""

import io
import os
import time

import openpyxl
import pytest
from dagster import SkipReason, build_sensor_context, materialize

from assets.group_files.reading import parse_group_file
from assets.group_files.references import parse_text
from assets.group_files.uploads import process_upload
from assets.groups import groups
from pipelines import sensors
from pipelines.sensors import _content_hash, group_upload_sensor
from resources.vk import VkApiResource
from vk_standin.server import StandInServer
from vk_standin.world import World

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def settled(path, data: bytes):
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


def archive_run(database, instance, path):
    # A refused file needs no VK: a resource pointing nowhere proves none is called.
    vk = VkApiResource(token="unused", base_url="http://127.0.0.1:9/method", max_retries=0)
    return materialize([groups], resources={"database": database, "vk": vk}, instance=instance,
                       run_config={"ops": {"groups": {"config": {
                           "upload_paths": [str(path)], "archive_uploads": True}}}})


def test_a_refused_file_that_arrives_again_goes_to_refused_with_its_reason(
        db, database, dagster_instance, tmp_path):
    assert archive_run(database, dagster_instance, settled(tmp_path / "photo.csv", PNG)).success
    # The sensor has forgotten the bytes (cursor lost, or past REMEMBERED_UPLOADS): a new run.
    again = archive_run(database, dagster_instance, settled(tmp_path / "photo again.csv", PNG))
    assert again.success
    assert not (tmp_path / "processed").exists()
    refused = sorted(p.name for p in (tmp_path / "refused").iterdir())
    assert [name.split("-", 1)[1] for name in refused] == [
        "photo again.csv", "photo again.csv.reason.txt", "photo.csv", "photo.csv.reason.txt"]
    reason = next(p for p in (tmp_path / "refused").iterdir() if p.name.endswith("again.csv.reason.txt"))
    assert "PNG" in reason.read_text()
    assert db.execute("SELECT count(*) AS n FROM vk.group_uploads").fetchone()["n"] == 1


@pytest.mark.parametrize("received, quoted", [
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ('  "hello world"  ', '"hello world"'),
    ("«привет»", "«привет»"),
    ("<vk.com/id1>", "<vk.com/id1>"),
])
def test_a_reason_quotes_the_value_as_received(received, quoted):
    reason = parse_text(received).reason
    assert reason is not None and reason.endswith(": " + quoted), reason


def test_a_reference_vk_does_not_know_is_quoted_as_received(db):
    with StandInServer(World(seed=3, n_groups=2)) as server:
        client = VkApiResource(token=server.token, base_url=server.base_url,
                               requests_per_second=1000).get_client()
        process_upload(db, client, "list.txt", b"<script>\n", snapshot_date=None)
    line = db.execute("SELECT raw_text, outcome, reason FROM vk.group_upload_lines").fetchone()
    assert (line["raw_text"], line["outcome"]) == ("<script>", "not_found")
    assert line["reason"] == "VK knows no community '<script>'"


def test_an_xlsx_formula_cell_without_a_saved_value_says_it_held_a_formula():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["link"])
    sheet.append(["vk.com/club1"])
    sheet.append(['=CONCATENATE("vk.com/club", 2)'])  # openpyxl saves no result for it
    buffer = io.BytesIO()
    workbook.save(buffer)

    lines = parse_group_file("groups.xlsx", buffer.getvalue()).lines
    assert [(line.line_no, line.outcome) for line in lines] == [(2, None), (3, "unparseable")]
    assert lines[1].raw_text == '=CONCATENATE("vk.com/club", 2)'
    assert lines[1].reason.startswith("the cell held a formula, not a value")


def test_the_sensor_says_when_it_moved_a_duplicate(tmp_path, monkeypatch, dagster_instance):
    monkeypatch.setattr(sensors, "UPLOADS_DIR", tmp_path)
    first = settled(tmp_path / "groups.csv", b"club1\n")
    digest = _content_hash(first)
    first.unlink()
    settled(tmp_path / "groups copy.csv", b"club1\n")
    result = group_upload_sensor(build_sensor_context(instance=dagster_instance,
                                                      cursor=f'["{digest}"]'))
    assert isinstance(result, SkipReason)
    assert "moved 1 duplicate(s) of earlier uploads to duplicates/: groups copy.csv" in result.skip_message
    assert [p.name for p in (tmp_path / "duplicates").iterdir()] == [f"{digest[:12]}-groups copy.csv"]
