"""The VK methods the stand-in answers, read from a World.

Parameters arrive as strings from HTTP and as JSON values from inside `execute`; the small
readers at the bottom accept both, as VK does.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from vk_standin.errors import ApiError
from vk_standin.world import BANNED, CLOSED, DELETED, PRIVATE, Group, World

Params = Mapping[str, Any]
Version = tuple[int, int]

GROUPS_PER_CALL = 500
POSTS_PER_CALL = 100
PAGE_MAX = 100
WALL_DEFAULT_COUNT = 20
COMMENTS_DEFAULT_COUNT = 10
THREAD_ITEMS_MAX = 10
# Without preview_length=0 VK cuts comment texts (reference: "else texts are cut to 90 chars").
DEFAULT_PREVIEW_LENGTH = 90
# groups.getById and wall.getById answered bare lists before the {groups|items: ...} objects.
OBJECT_SHAPES_SINCE: Version = (5, 194)

WALL_ACCESS_ERRORS = {CLOSED: 15, PRIVATE: 30, DELETED: 18, BANNED: 18}


def groups_get_by_id(world: World, params: Params, version: Version) -> Any:
    refs = _list(params.get("group_ids", params.get("group_id")))
    if not refs:
        raise ApiError(100, "group_ids is undefined")
    if len(refs) > GROUPS_PER_CALL:
        raise ApiError(100, f"group_ids: too many ids (max {GROUPS_PER_CALL})")
    fields = _list(params.get("fields"))
    found: dict[int, Group] = {}
    for ref in refs:
        group = world.find_group(ref)
        if group is not None:
            found.setdefault(group.id, group)
    if not found:
        raise ApiError(100, "group_ids is undefined")
    groups = [world.render_group(g, fields) for g in found.values()]
    return {"groups": groups, "profiles": []} if version >= OBJECT_SHAPES_SINCE else groups


def utils_resolve_screen_name(world: World, params: Params, version: Version) -> Any:
    name = str(params.get("screen_name") or "").strip()
    if not name:
        raise ApiError(100, "screen_name is undefined")
    group = world.find_group(name)
    return {"object_id": group.id, "type": "group"} if group else []


def wall_get(world: World, params: Params, version: Version) -> Any:
    group = _wall_owner(world, params, allow_domain=True)
    offset = _int(params, "offset", 0)
    count = min(_int(params, "count", WALL_DEFAULT_COUNT), PAGE_MAX)
    if offset < 0 or count < 0:
        raise ApiError(100, "offset and count must be positive")
    world.note_wall_get(group)
    wall = world.wall(group)
    response: dict = {
        "count": len(wall),
        "items": [world.render_post(group, p) for p in wall[offset: offset + count]],
    }
    if _flag(params, "extended"):
        response.update(profiles=[], groups=[world.render_group(group, ())])
    return response


def wall_get_comments(world: World, params: Params, version: Version) -> Any:
    group = _wall_owner(world, params)
    post = world.post_slot(group, _int(params, "post_id", 0))
    if post is None:
        raise ApiError(100, "post_id is invalid")
    if post.comments_closed:
        raise ApiError(212)
    tree = world.comment_tree(group.id, post.id)
    branch = _int(params, "comment_id", 0)
    if branch:
        if branch not in tree.replies:
            raise ApiError(100, "comment_id is invalid")
        level = tree.replies[branch]
    else:
        level = tree.tops
    if str(params.get("sort") or "asc") == "desc":
        level = level[::-1]
    count = min(_int(params, "count", COMMENTS_DEFAULT_COUNT), PAGE_MAX)
    first = _int(params, "offset", 0)
    start_id = _int(params, "start_comment_id", 0)
    if start_id:
        position = next((i for i, c in enumerate(level) if c["id"] == start_id), None)
        if position is None:
            raise ApiError(100, "start_comment_id is invalid")
        first += position  # VK allows a negative offset relative to the start comment
    elif first < 0:
        raise ApiError(100, "offset must be positive")
    if count < 0:
        raise ApiError(100, "count must be positive")
    first = max(0, first)
    render = dict(
        need_likes=_flag(params, "need_likes"),
        preview_length=_int(params, "preview_length", DEFAULT_PREVIEW_LENGTH),
        thread_items=max(0, min(_int(params, "thread_items_count", 0), THREAD_ITEMS_MAX)),
    )
    response: dict = {
        "count": len(level) if branch else len(tree.order),
        "items": [world.render_comment(c, tree, **render) for c in level[first: first + count]],
        "current_level_count": len(level),
        "can_post": True,
        "show_reply_button": True,
        "groups_can_post": True,
    }
    if _flag(params, "extended"):
        response.update(profiles=[], groups=[])
    return response


def wall_get_by_id(world: World, params: Params, version: Version) -> Any:
    refs = _list(params.get("posts"))
    if not refs:
        raise ApiError(100, "posts is undefined")
    if len(refs) > POSTS_PER_CALL:
        raise ApiError(100, f"posts: too many posts (max {POSTS_PER_CALL})")
    items = []
    for ref in refs:
        owner, _, post_id = ref.partition("_")
        group = world.group_by_id(-_to_int(owner)) if _to_int(owner) < 0 else None
        if group is None or not group.wall_readable:
            continue  # VK silently leaves out posts it cannot show
        post = world.post_slot(group, _to_int(post_id))
        if post is not None:
            items.append(world.render_post(group, post))
    return {"items": items} if version >= OBJECT_SHAPES_SINCE else items


METHODS: dict[str, Callable[[World, Params, Version], Any]] = {
    "groups.getById": groups_get_by_id,
    "utils.resolveScreenName": utils_resolve_screen_name,
    "wall.get": wall_get,
    "wall.getComments": wall_get_comments,
    "wall.getById": wall_get_by_id,
}


def call(world: World, method: str, params: Params, version: Version) -> Any:
    handler = METHODS.get(method)
    if handler is None:
        raise ApiError(3)
    return handler(world, params, version)


def _wall_owner(world: World, params: Params, allow_domain: bool = False) -> Group:
    domain = params.get("domain") if allow_domain else None
    if domain and "owner_id" not in params:
        group = world.find_group(str(domain))
    else:
        owner_id = _int(params, "owner_id", 0)
        # Users' walls are not modelled; a positive owner is a user nobody knows.
        group = world.group_by_id(-owner_id) if owner_id < 0 else None
    if group is None:
        raise ApiError(100, "owner_id is invalid")
    if group.kind in WALL_ACCESS_ERRORS:
        raise ApiError(WALL_ACCESS_ERRORS[group.kind])
    return group


def _to_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ApiError(100, f"{value!r} is not a number") from None


def _int(params: Params, key: str, default: int) -> int:
    value = params.get(key)
    if value is None or value == "":
        return default
    return _to_int(value)


def _flag(params: Params, key: str) -> bool:
    return str(params.get(key, "0")).strip().lower() in ("1", "true")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]
