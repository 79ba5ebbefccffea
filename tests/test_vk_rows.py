"""VK items become rows: typed columns, content analysis, raw kept; genuine responses included."""

import json
from datetime import UTC, datetime
from pathlib import Path

from assets.loading.rows import COMMENT_COLUMNS, POST_COLUMNS, comment_row, group_validation, post_row

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "vk"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def as_dict(columns, row) -> dict:
    return dict(zip(columns, row))


def test_a_genuine_old_version_repost_without_views():
    item = fixture("vknet-vk_Get_Geo_NormalCase.json")["response"]["items"][0]
    post = as_dict(POST_COLUMNS, post_row(1563369, item))
    assert post["post_id"] == 1164 and post["published_at"] == datetime.fromtimestamp(1397915906, UTC)
    assert post["is_repost"] is True and post["views_count"] is None  # VK sent no views
    assert (post["likes_count"], post["reposts_count"], post["comments_count"]) == (1, 0, 0)
    assert json.loads(post["raw"])["copy_history"][0]["attachments"][0]["type"] == "poll"


def test_pinned_ads_content_analysis_and_string_numbers():
    item = {"id": "7", "date": "1700000000", "is_pinned": 1, "marked_as_ads": 1,
            "text": "Скидки #Распродажа и #sale@shop для [id12|Ивана] и @apiclub: https://vk.cc/abc, www.example.com.",
            "attachments": [{"type": "photo"}, {"type": "video"}, {"type": "photo"}],
            "views": {"count": "42"}, "likes": {"count": 3}}
    post = as_dict(POST_COLUMNS, post_row(5, item))
    assert post["post_id"] == 7 and post["is_pinned"] and post["is_ad"] and not post["is_repost"]
    assert post["hashtags"] == ["распродажа", "sale"]
    assert post["mentions"] == ["id12", "apiclub"]
    assert post["links"] == ["https://vk.cc/abc", "www.example.com"]
    assert post["attachment_types"] == ["photo", "video"]
    assert post["views_count"] == 42 and post["reposts_count"] == 0


def test_genuine_comments_and_a_deleted_one():
    items = fixture("vknet-vk_GetComments_ReturnLikesAndAttachments.json")["response"]["items"]
    published = datetime.fromtimestamp(1385000000, UTC)
    rows = [as_dict(COMMENT_COLUMNS, comment_row(9, 100, published, item)) for item in items]
    assert [r["comment_id"] for r in rows] == [3809, 3810]
    assert rows[1]["attachment_types"] == ["photo"] and rows[0]["likes_count"] == 1
    assert rows[0]["from_id"] == 6733856 and "Растите" in rows[0]["text"]

    deleted = {"id": 3811, "date": 1385101300, "parents_stack": [3809], "deleted": True,
               "thread": {"count": 0, "items": []}}
    row = as_dict(COMMENT_COLUMNS, comment_row(9, 100, published, deleted))
    assert row["is_deleted"] and row["from_id"] is None and row["text"] == ""
    assert row["thread_root_id"] == 3809


def test_a_comment_dated_before_its_post_is_kept_at_the_posts_time():
    published = datetime(2026, 1, 1, tzinfo=UTC)
    early = {"id": 1, "from_id": 3, "date": int(published.timestamp()) - 5, "text": "x"}
    assert as_dict(COMMENT_COLUMNS, comment_row(1, 1, published, early))["published_at"] == published


def test_group_validation_statuses():
    assert group_validation({"id": 1, "is_closed": 0}) == ("valid", None)
    assert group_validation({"id": 1, "is_closed": 1})[0] == "closed"
    assert group_validation({"id": 1, "is_closed": 2})[0] == "private"
    assert group_validation({"id": 1, "deactivated": "banned"})[0] == "banned"
    assert group_validation({"id": 1, "deactivated": "deleted", "is_closed": 1})[0] == "deleted"
