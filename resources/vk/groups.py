"""Communities by id or screen name through groups.getById, 500 references per call."""

from __future__ import annotations

from typing import Iterable

from resources.vk.errors import VkSkipItem
from resources.vk.shapes import parse_groups
from resources.vk.transport import Transport

GROUPS_PER_CALL = 500
DEFAULT_GROUP_FIELDS = (
    "members_count,activity,description,verified,status,site,wall,age_limits,counters"
)


def get_groups(
    transport: Transport, refs: Iterable[str], fields: str = DEFAULT_GROUP_FIELDS
) -> list[dict]:
    """The communities VK finds for `refs` (ids as digits, or screen names), unique by id.

    VK leaves unknown references out of its answer, or answers error 100 when none of a
    call's references is valid; either way they are just absent here. Deleted and banned
    communities are found (with `deactivated`). Which reference named which community, and
    what to do with the deactivated, is the caller's business.
    """
    unique = list(dict.fromkeys(refs))
    groups: dict[int, dict] = {}
    for start in range(0, len(unique), GROUPS_PER_CALL):
        chunk = unique[start: start + GROUPS_PER_CALL]
        try:
            response = transport.call(
                "groups.getById", {"group_ids": ",".join(chunk), "fields": fields}
            )
        except VkSkipItem:
            continue  # none of this chunk's references exists
        for group in parse_groups(response):
            groups.setdefault(group["id"], group)
    return list(groups.values())
