"""Keyword watches from a terminal: `python -m query watch add|list|remove`.

    python -m query watch add "brand" --text '"my brand" or #mybrand' --group 123 \
        --webhook https://hooks.example.com/T000/B000/XXXX
    python -m query watch list
    python -m query watch remove "brand"

The text is in the search syntax (`python -m query search` shows what a watch will find); hits
are collected after every comments load by the `keyword_watches` asset (assets/watches.py).
"""

from __future__ import annotations

import argparse
from urllib.parse import urlsplit

import psycopg

from assets.group_files.references import InvalidGroupReference, parse_reference
from assets.loading.rows import clean_text
from query.search import SearchTerms
from resources.database import load_sql
from resources.webhooks import mask_url


def add_watch(conn: psycopg.Connection, name: str, text: str, groups: list[str] | None = None,
              webhook_url: str | None = None) -> dict:
    """Store a watch; ValueError for a text that searches nothing, an unknown community, a
    webhook that is not an http(s) URL or a name already taken."""
    # Stored as search will read it: PostgreSQL text refuses NUL and lone surrogates.
    text = clean_text(text).encode("utf-8", "replace").decode("utf-8")
    terms = SearchTerms.parse(text)
    searchable = terms.hashtags or terms.mentions or conn.execute(
        load_sql("search_lexemes"), {"words": terms.words}).fetchone()["searchable"]
    if not searchable:
        raise ValueError("the watch text holds no word (stop words aside), #hashtag or @mention to search for")
    if webhook_url is not None:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"webhook must be an http(s) URL, not {mask_url(webhook_url)}")
    try:
        row = conn.execute(load_sql("watch_add"), {
            "name": name, "query": text, "group_ids": _group_ids(conn, groups or []),
            "webhook_url": webhook_url}).fetchone()
    except psycopg.errors.UniqueViolation:
        raise ValueError(f"a watch named {name!r} exists already") from None
    except psycopg.errors.CheckViolation as error:
        raise ValueError(f"refused: {error.diag.constraint_name}") from None
    return row


def list_watches(conn: psycopg.Connection) -> list[dict]:
    return conn.execute(load_sql("watches_list")).fetchall()


def remove_watch(conn: psycopg.Connection, name: str) -> None:
    if conn.execute(load_sql("watch_remove"), {"name": name}).fetchone() is None:
        raise LookupError(f"no watch named {name!r}")


def _group_ids(conn: psycopg.Connection, references: list[str]) -> list[int] | None:
    if not references:
        return None
    try:
        parsed = [parse_reference(text) for text in references]
    except InvalidGroupReference as error:
        raise ValueError(str(error)) from None
    ids = [ref.group_id for ref in parsed if ref.group_id is not None]
    names = [ref.screen_name for ref in parsed if ref.screen_name is not None]
    found = conn.execute(load_sql("watch_groups_resolve"), {"ids": ids, "names": names}).fetchall()
    known = {f"id:{row['group_id']}" for row in found} | {
        f"name:{(row['screen_name'] or '').lower()}" for row in found}
    unknown = [text for text, ref in zip(references, parsed) if ref.key not in known]
    if unknown:
        raise ValueError(f"not monitored here: {', '.join(unknown)}")
    return sorted({row["group_id"] for row in found})


def _describe(watch: dict) -> str:
    groups = ", ".join(map(str, watch["group_ids"] or [])) or "all communities"
    webhook = mask_url(watch["webhook_url"]) if watch["webhook_url"] else "no webhook"
    counts = f", {watch['hits']} hits, {watch['pending']} pending" if "hits" in watch else ""
    state = "" if watch["is_active"] else " (paused)"
    return f"{watch['watch_id']} {watch['name']!r}{state}: {watch['query']!r} in {groups}, {webhook}{counts}"


def _add(conn, args) -> None:
    print("added " + _describe(add_watch(conn, args.name, args.text, args.group, args.webhook)))


def _list(conn, args) -> None:
    watches = list_watches(conn)
    for watch in watches:
        print(_describe(watch))
    if not watches:
        print("(no watches)")


def _remove(conn, args) -> None:
    remove_watch(conn, args.name)
    print(f"removed {args.name!r}")


def add_commands(commands: argparse._SubParsersAction) -> None:
    """`watch add|list|remove` under the `python -m query` parser; each prints its own result."""
    watch = commands.add_parser("watch", help="keyword watches: saved searches with a webhook")
    actions = watch.add_subparsers(required=True, metavar="action")
    add = actions.add_parser("add", help="a new watch")
    add.add_argument("name", help="a name of your choosing, shown in the UI and the webhook")
    add.add_argument("--text", required=True, help="what to find, in the search syntax")
    add.add_argument("--group", action="append", help="only this community (id or screen "
                     "name; repeat for several); default: every community")
    add.add_argument("--webhook", help="http(s) URL that gets one JSON POST per load with "
                     "the new hits; default: hits are only stored and shown")
    add.set_defaults(run=_add)
    actions.add_parser("list", help="every watch").set_defaults(run=_list)
    remove = actions.add_parser("remove", help="a watch and its hits")
    remove.add_argument("name")
    remove.set_defaults(run=_remove)
