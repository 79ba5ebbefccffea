"""Search and browse the collected comments and posts from a terminal.

    python -m query search "погода #москва" --group 123 --order relevance
    python -m query post-comments 123 4567
    python -m query group-posts 123 --order engagement
    python -m query search "погода" --cursor <the cursor a previous page printed>
    python -m query search "погода" --output results.xlsx      # every page, also .csv, .jsonl
    python -m query analytics top_posts_of_period --since 2026-01-01 --output top.csv

The database is DATABASE_URL's, or the embedded one the demo fills. Dates without a time zone
are days and times of VK_PARTITIONS_TIMEZONE (Europe/Moscow unless set), as everywhere here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import dict_row

from assets.partitions import PARTITIONS_TIMEZONE
from query.analytics import ANALYTICS_TABLES, list_analytics_table
from query.exports import FORMATS, export
from query.listings import POST_ORDERS, list_group_posts, list_post_comments
from query.pages import MAX_LIMIT, CursorError, Page, check_limit
from query.search import ORDERS, search_comments
from query.watches import add_commands as add_watch_commands
from resources.postgres_server import application_database_url, redact


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = application_database_url()
    try:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10,
                             options="-c search_path=vk,public") as conn:
            if getattr(args, "output", None):  # the listings export; watch commands have none
                def fetch(cursor, limit):
                    return args.run(conn, argparse.Namespace(**{**vars(args), "cursor": cursor, "limit": limit}))

                export(fetch, Path(args.output), args.format or _format_of(args.output),
                       PARTITIONS_TIMEZONE, cursor=args.cursor)
                return 0
            page = args.run(conn, args)
    except (CursorError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except psycopg.errors.InsufficientPrivilege as exc:
        print(f"error: database {redact(url)} refused the query: {_first_line(exc)} "
              "(grant vk_reader to this login)", file=sys.stderr)
        return 3
    except psycopg.OperationalError as exc:
        print(f"error: database {redact(url)} unreachable: {_first_line(exc)}", file=sys.stderr)
        return 3
    if page is not None:  # watch commands print their own answer
        _print(page, args)
    return 0


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _search(conn, args) -> Page:
    return search_comments(conn, args.text, group_id=args.group, post_id=args.post,
                           author_id=args.author, since=args.since, until=args.until,
                           order=args.order, limit=args.limit, cursor=args.cursor)


def _post_comments(conn, args) -> Page:
    return list_post_comments(conn, args.group, args.post, limit=args.limit, cursor=args.cursor)


def _group_posts(conn, args) -> Page:
    return list_group_posts(conn, args.group, order=args.order, limit=args.limit,
                            cursor=args.cursor)


def _analytics(conn, args) -> Page:
    return list_analytics_table(conn, args.table, group_id=args.group, since=args.since,
                                until=args.until, limit=args.limit, cursor=args.cursor)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a day, YYYY-MM-DD") from exc


def _local_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(PARTITIONS_TIMEZONE))


def _limit(text: str) -> int:
    try:
        return check_limit(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"from 1 to {MAX_LIMIT}") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m query", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    commands = parser.add_subparsers(required=True, metavar="command")

    search = commands.add_parser("search", help="comments matching words, #hashtags, @mentions")
    search.add_argument("text", help="words (stemmed, Russian or English), \"a phrase\", -word, "
                                     "word or word, #hashtag, @mention")
    search.add_argument("--group", type=int, help="community id")
    search.add_argument("--post", type=int, help="post id (with --group)")
    search.add_argument("--author", type=int, help="author id (from_id)")
    search.add_argument("--since", type=_local_time, help="comments at or after (ISO date/time)")
    search.add_argument("--until", type=_local_time, help="comments before (ISO date/time)")
    search.add_argument("--order", choices=ORDERS, default="newest")
    search.set_defaults(run=_search)

    post = commands.add_parser("post-comments", help="a post's comments, threads in order")
    post.add_argument("group", type=int)
    post.add_argument("post", type=int)
    post.set_defaults(run=_post_comments)

    posts = commands.add_parser("group-posts", help="a community's posts")
    posts.add_argument("group", type=int)
    posts.add_argument("--order", choices=POST_ORDERS, default="newest")
    posts.set_defaults(run=_group_posts)

    tables = commands.add_parser("analytics", help="an analytics table (schema analytics), "
                                                   "in the order of its primary key")
    tables.add_argument("table", choices=ANALYTICS_TABLES)
    tables.add_argument("--group", type=int, help="community id")
    tables.add_argument("--since", type=_day, help="rows of the days (or periods) from this day")
    tables.add_argument("--until", type=_day, help="rows of the days (or periods) up to this "
                                                   "day, included")
    tables.set_defaults(run=_analytics)

    add_watch_commands(commands)
    for command in (search, post, posts, tables):
        command.add_argument("--limit", type=_limit, default=20)
        command.add_argument("--cursor", help="continue after the page that printed it")
        command.add_argument("--output", help="write every page (from --cursor on) to this file")
        command.add_argument("--format", choices=FORMATS,
                             help="of --output; default from its extension (.csv, .jsonl, .xlsx)")
    return parser


def _format_of(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"json": "jsonl", "ndjson": "jsonl"}.get(suffix, suffix if suffix in FORMATS else "csv")


def _print(page: Page, args) -> None:
    if args.json:
        for item in page.items:
            print(json.dumps(item, default=str, ensure_ascii=False))
        print(json.dumps({"next_cursor": page.next_cursor}))
        return
    width = shutil.get_terminal_size((120, 20)).columns
    line = _table_row if getattr(args, "table", None) else _line
    for item in page.items:
        print(line(item, width))
    if not page.items:
        print("(nothing found)")
    if page.next_cursor:
        print(f"\nnext page: --cursor {page.next_cursor}")


def _line(item: dict, width: int) -> str:
    when = _shown(item["published_at"])
    if "comment_id" in item:
        indent = "    " if item.get("thread_root_id") else ""
        where = f"wall-{item['group_id']}_{item['post_id']}?reply={item['comment_id']}"
        rank = f" rank {item['rank']:.3f}" if "rank" in item else ""
        head = f"{when} {where} from {item['from_id']} likes {item['likes_count']}{rank}: {indent}"
        text = "[deleted]" if item.get("is_deleted") else item["text"]
    else:
        head = (f"{when} wall-{item['group_id']}_{item['post_id']} engagement "
                f"{item['engagement']} views {item['views_count']}: ")
        text = item["text"]
    text = " ".join(text.split())
    room = max(20, width - len(head))
    return head + (text if len(text) <= room else text[: room - 1] + "…")


def _table_row(item: dict, width: int) -> str:
    # An analytics table's row is short and every column counts: all of it, however wide.
    return " ".join(f"{name}={_shown(value)}" for name, value in item.items())


def _shown(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(PARTITIONS_TIMEZONE)).strftime("%Y-%m-%d %H:%M")
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
