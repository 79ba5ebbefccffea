"""The query layer: search and keyset-paged listings over the collected data.

    from query import search_comments, list_post_comments, list_group_posts, list_analytics_table
    page = search_comments(conn, "погода #новости", group_id=1, order="relevance")
    more = search_comments(conn, "погода #новости", group_id=1, order="relevance",
                           cursor=page.next_cursor)

`conn` is a psycopg connection returning dict rows (psycopg.rows.dict_row). `python -m query`
does the same for people.
"""

from query.analytics import ANALYTICS_TABLES, list_analytics_table
from query.listings import list_group_posts, list_post_comments
from query.pages import CursorError, Page
from query.search import SearchTerms, search_comments

__all__ = ["ANALYTICS_TABLES", "CursorError", "Page", "SearchTerms", "list_analytics_table",
           "list_group_posts", "list_post_comments", "search_comments"]
