"""Tests for single community references: every form a person pastes, and why others are not."""

from __future__ import annotations

import pytest

from assets.group_files.references import GroupReference, InvalidGroupReference, parse_reference


def gid(n: int) -> GroupReference:
    return GroupReference(group_id=n, screen_name=None)


def name(s: str) -> GroupReference:
    return GroupReference(group_id=None, screen_name=s)


# --------------------------------------------------------------------------------------
# GroupReference
# --------------------------------------------------------------------------------------


def test_group_reference_key_and_api_ref():
    assert gid(123).key == "id:123"
    assert gid(123).api_ref == "123"
    assert name("apiclub").key == "name:apiclub"
    assert name("apiclub").api_ref == "apiclub"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"group_id": None, "screen_name": None},
        {"group_id": 1, "screen_name": "apiclub"},
        {"group_id": 0, "screen_name": None},
        {"group_id": None, "screen_name": "ApiClub"},
    ],
)
def test_group_reference_rejects_inconsistent_values(kwargs):
    with pytest.raises(ValueError):
        GroupReference(**kwargs)


# --------------------------------------------------------------------------------------
# Single references
# --------------------------------------------------------------------------------------

VALID_FORMS = [
    ("https://vk.com/club123", gid(123)),
    ("vk.ru/public123", gid(123)),
    ("https://m.vk.com/apiclub", name("apiclub")),
    ("www.vk.com/apiclub", name("apiclub")),
    ("https://www.vk.ru/club5", gid(5)),
    ("vkontakte.ru/club5", gid(5)),
    ("vk.com/event123", gid(123)),
    ("http://vk.com/apiclub/", name("apiclub")),
    ("https://vk.com/apiclub?w=wall-1_2", name("apiclub")),
    ("https://vk.com/apiclub#posts", name("apiclub")),
    ("HTTPS://VK.COM/ApiClub", name("apiclub")),
    ("//vk.com/club7", gid(7)),
    ("vk.com/wall-123_45", gid(123)),
    ("https://vk.com/photo-77_456", gid(77)),
    ("https://vk.com/topic-77_1?post=2", gid(77)),
    ("vk.com/board77", gid(77)),
    ("https://vk.com/feed?w=wall-9_1", gid(9)),
    ("vk.com/@apiclub-how-to-start", name("apiclub")),
    ("club123", gid(123)),
    ("public123", gid(123)),
    ("event123", gid(123)),
    ("Club123", gid(123)),
    ("apiclub", name("apiclub")),
    ("ApiClub", name("apiclub")),
    ("ivan.petrov", name("ivan.petrov")),
    ("team_2024", name("team_2024")),
    ("@apiclub", name("apiclub")),
    ("@club12", gid(12)),
    ("-123", gid(123)),
    ("123", gid(123)),
    ("00123", gid(123)),
    ("[club9|API Club]", gid(9)),
    ("  apiclub  ", name("apiclub")),
    ('"vk.com/apiclub"', name("apiclub")),
    ("'club1'", gid(1)),
    ("«vk.com/apiclub»", name("apiclub")),
    ("<https://vk.com/apiclub>", name("apiclub")),
    ("\ufeffapiclub", name("apiclub")),
    ("\tapiclub\t", name("apiclub")),
    ("apiclub\u200b", name("apiclub")),
    ("vk.com/apiclub,", name("apiclub")),
    ("vk.com/apiclub API Club", name("apiclub")),
    ("club12 - API Club", gid(12)),
    ("@apiclub\tAPI Club", name("apiclub")),
    ("https://vk.com:443/apiclub", name("apiclub")),
]


@pytest.mark.parametrize(("text", "expected"), VALID_FORMS)
def test_parse_reference_valid_forms(text, expected):
    assert parse_reference(text) == expected


INVALID_FORMS = [
    ("hello world", "not a VK community reference: hello world"),
    ("apiclub API Club", "not a VK community reference: apiclub API Club"),
    ("vk.com/id1 Ivan", "user profile, not a community: vk.com/id1 Ivan"),
    ("https://google.com/x", "not a VK community link: https://google.com/x"),
    ("google.com", "not a VK community link: google.com"),
    ("vk.community/club1", "not a VK community link: vk.community/club1"),
    ("https://evil.com/vk.com/club1", "not a VK community link: https://evil.com/vk.com/club1"),
    ("ftp://vk.com/club1", "not a VK community link: ftp://vk.com/club1"),
    ("vk.com/id123", "user profile, not a community: vk.com/id123"),
    ("id123", "user profile, not a community: id123"),
    ("vk.com/app123", "VK app, not a community: vk.com/app123"),
    ("vk.com/wall12_3", "wall of a user, not a community: vk.com/wall12_3"),
    ("vk.com/write5", "private message link, not a community: vk.com/write5"),
    ("vk.com/", "VK link without a community name: vk.com/"),
    ("https://vk.com", "VK link without a community name: https://vk.com"),
    ("vk.com/feed", "VK site section, not a community: vk.com/feed"),
    ("im", "VK site section, not a community: im"),
    ("search", "VK site section, not a community: search"),
    ("https://vk.com/away.php?to=x", "VK site section, not a community: https://vk.com/away.php?to=x"),
    ("a", "screen name too short: a"),
    ("x" * 70, f"screen name too long (70 characters): {'x' * 70}"),
    ("x" * 300, f"too long to be a VK community reference (300 characters): {'x' * 59}…"),
    ("ap$club", "invalid screen name (allowed: latin letters, digits, _ and .): ap$club"),
    ("группа", "invalid screen name (allowed: latin letters, digits, _ and .): группа"),
    ("api..club", "invalid screen name (misplaced dot): api..club"),
    ("0", "invalid community id 0: 0"),
    ("-0", "invalid community id 0: -0"),
    ("1234567890123", "numeric id out of range: 1234567890123"),
    ("___", "invalid screen name (no letters): ___"),
]


@pytest.mark.parametrize(("text", "reason"), INVALID_FORMS)
def test_parse_reference_invalid_forms(text, reason):
    with pytest.raises(InvalidGroupReference) as exc:
        parse_reference(text)
    assert str(exc.value) == reason
