"""Keyword watches (social listening): after each comments load, every saved search is run
over the comments of the load's days; new matches are stored as hits and sent, one JSON POST
per watch and load, to the watch's webhook.

Why a sensor on the comments' materializations and not a step in the loads' jobs: it sees
every load, whichever job, schedule, backfill or task request ran it, without touching the
loads; and a webhook that hangs or fails can never fail or delay a load.

Exactly once. Hits are stored in the transaction that finds them, keyed by (watch, comment),
so a rerun or re-execution of the same days finds the same comments and stores nothing new.
Delivery comes after that commit and reads the outbox, not the run: every hit of the watch not
yet delivered, this load's and those an earlier failed POST left, is sent; only a 2xx answer
marks them delivered. The one gap no protocol closes, an answer lost after the receiver took
the batch, is covered by the batch's Idempotency-Key and the hits' ids.
"""

import hashlib
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    asset,
    define_asset_job,
    sensor,
)
from pydantic import Field

from assets.partitions import PARTITIONS_TIMEZONE, daily_partitions, run_partition_keys
from assets.reporting.rendering import markdown_table
from query.search import SearchTerms
from resources.database import PostgresResource, load_sql
from resources.settings import SETTINGS
from resources.webhooks import Delivery, mask_url, post_json

COMMENTS = AssetKey("comments")
ZONE = ZoneInfo(PARTITIONS_TIMEZONE)
# Hits sent in one POST at most; a watch with more (its first look at a busy topic) sends the
# rest with the next loads, oldest first.
MAX_HITS_PER_POST = 1_000
# Webhooks answered side by side: one slow receiver no longer holds up the others, and the
# POSTs' round trips overlap. Each delivery holds a pooled connection (its watch's row lock)
# while its POST is out, so fewer lanes than the pool has connections.
DELIVERY_LANES = 4
# Hits listed on the asset page; all of them are in vk.watch_hits.
SHOWN_HITS = 50
TEXT_SHOWN = 200


class WatchDays(Config):
    first_day: Optional[str] = Field(
        default=None, description="First day of the comments load to look at (YYYY-MM-DD); "
        "default: the days the nightly load refreshes.")
    last_day: Optional[str] = Field(default=None, description="Last day; default: yesterday.")

    def window(self) -> tuple[datetime, datetime]:
        last = self.last_day or str(datetime.now(ZONE).date() - timedelta(days=1))
        first = self.first_day or str(date.fromisoformat(last)
                                      - timedelta(days=SETTINGS.refresh_days - 1))
        if first > last:
            raise ValueError(f"first_day {first} is after last_day {last}")
        return (daily_partitions.time_window_for_partition_key(first).start,
                daily_partitions.time_window_for_partition_key(last).end)


@asset(group_name="listening", owners=["team:data-engineering"], deps=[COMMENTS],
       kinds={"postgres"},
       description="Keyword watches (vk.watches) run over the comments of a load's days: new "
       "matches stored in vk.watch_hits and POSTed to each watch's webhook, exactly once.")
def keyword_watches(context: AssetExecutionContext, config: WatchDays,
                    database: PostgresResource) -> MaterializeResult:
    start, end = config.window()
    started = time.monotonic()
    with database.connection() as conn:
        watches = conn.execute(load_sql("watches_active")).fetchall()
        hits = conn.execute(load_sql("watch_hits_collect"), {
            "watches": json.dumps([_parsed(watch) for watch in watches]),
            "start": start, "end": end, "run_id": context.run.run_id}).fetchall()
        conn.execute(load_sql("watches_looked"), {
            "end": end, "watch_ids": [watch["watch_id"] for watch in watches]})
        shown = conn.execute(load_sql("watch_hits_shown"), {
            "hit_ids": sorted(hit["hit_id"] for hit in hits)[:SHOWN_HITS]}).fetchall()
    # Committed: whatever happens to the POSTs below, the hits are in the outbox.
    matched = time.monotonic()
    # Only watches with hits waiting open a delivery: a quiet load costs one query, not 100.
    waiting = {row["watch_id"] for row in database.fetch_all("watches_list") if row["pending"]}
    sending = [watch for watch in watches if watch["webhook_url"] and watch["watch_id"] in waiting]
    with ThreadPoolExecutor(DELIVERY_LANES, thread_name_prefix="webhook") as lanes:
        delivered = dict(zip((watch["watch_id"] for watch in sending),
                             lanes.map(lambda watch: deliver(database, watch), sending)))
    deliveries = {watch["watch_id"]: delivered.get(watch["watch_id"], (0, None))
                  for watch in watches if watch["webhook_url"]}
    for watch_id, (sent, outcome) in deliveries.items():
        if outcome is not None and not outcome.ok:
            context.log.warning(f"watch {watch_id}: webhook {mask_url(_url(watches, watch_id))} "
                                f"failed ({outcome.error}); {sent} hits kept for the next load")
    outstanding = {row["watch_id"]: row for row in database.fetch_all("watches_list")}
    metadata = _metadata(start, end, watches, Counter(hit["watch_id"] for hit in hits), shown,
                         deliveries, outstanding)
    # Comparable with the loads' duration_seconds: the watches' cost is a share of a load's.
    metadata["matching_seconds"] = MetadataValue.float(round(matched - started, 3))
    metadata["duration_seconds"] = MetadataValue.float(round(time.monotonic() - started, 3))
    return MaterializeResult(metadata=metadata)


def deliver(database: PostgresResource, watch: dict) -> tuple[int, Delivery | None]:
    """POST the watch's undelivered hits in one batch; (hits in it, the outcome), or (0, None)
    when nothing is waiting."""
    with database.connection() as conn:
        url = conn.execute(load_sql("watch_lock"), {"watch_id": watch["watch_id"]}).fetchone()
        pending = conn.execute(load_sql("watch_hits_pending"), {
            "watch_id": watch["watch_id"], "limit": MAX_HITS_PER_POST}).fetchall()
        if not pending or url is None or not url["webhook_url"]:
            return 0, None
        hit_ids = [hit["hit_id"] for hit in pending]
        key = hashlib.sha256(f"{watch['watch_id']}:{hit_ids}".encode()).hexdigest()[:32]
        outcome = post_json(url["webhook_url"], _payload(watch, pending, key), key)
        conn.execute(load_sql("watch_hits_attempted"), {
            "watch_id": watch["watch_id"], "hit_ids": hit_ids, "ok": outcome.ok,
            "error": outcome.error})
    return len(pending), outcome


def _parsed(watch: dict) -> dict:
    terms = SearchTerms.parse(watch["query"])
    return {"watch_id": watch["watch_id"], "words": terms.words,
            "hashtags": list(terms.hashtags) or None, "mentions": list(terms.mentions) or None,
            "group_ids": watch["group_ids"]}


def _payload(watch: dict, hits: list[dict], key: str) -> dict:
    return {"watch": {"id": watch["watch_id"], "name": watch["name"], "query": watch["query"]},
            "delivery_id": key,
            "hits": [{"hit_id": hit["hit_id"], "group_id": hit["group_id"],
                      "post_id": hit["post_id"], "comment_id": hit["comment_id"],
                      "published_at": hit["published_at"].isoformat(), "from_id": hit["from_id"],
                      "text": hit["text"], "url": _link(hit)} for hit in hits]}


def _link(hit: dict) -> str:
    return f"https://vk.com/wall-{hit['group_id']}_{hit['post_id']}?reply={hit['comment_id']}"


def _url(watches: list[dict], watch_id: int) -> str:
    return next(watch["webhook_url"] for watch in watches if watch["watch_id"] == watch_id)


def _metadata(start, end, watches, new: Counter, shown: list[dict], deliveries, outstanding) -> dict:
    names = {watch["watch_id"]: watch["name"] for watch in watches}

    def delivery_cell(watch_id: int) -> str:
        sent, outcome = deliveries.get(watch_id, (0, None))
        if watch_id not in deliveries:
            return "no webhook"
        return "nothing to send" if outcome is None else (
            f"{sent} sent" if outcome.ok else f"{sent} failed: {outcome.error}")

    return {
        "window": MetadataValue.text(f"comments of posts {start:%Y-%m-%d} .. "
                                     f"{end - timedelta(days=1):%Y-%m-%d} ({PARTITIONS_TIMEZONE})"),
        "watches": MetadataValue.int(len(watches)),
        "new_hits": MetadataValue.int(sum(new.values())),
        "pending_hits": MetadataValue.int(sum(row["pending"] for row in outstanding.values())),
        "by_watch": MetadataValue.md(markdown_table(
            ["watch", "query", "communities", "webhook", "new hits", "delivery", "still pending",
             "hits in all"],
            ([_escape(watch["name"]), _escape(watch["query"]),
              ", ".join(map(str, watch["group_ids"] or [])) or "all",
              mask_url(watch["webhook_url"]) if watch["webhook_url"] else "–",
              str(new[watch["watch_id"]]), delivery_cell(watch["watch_id"]),
              str(outstanding.get(watch["watch_id"], {}).get("pending", 0)),
              str(outstanding.get(watch["watch_id"], {}).get("hits", 0))] for watch in watches),
            empty="_no active watches: add one with `python -m query watch add`_")),
        "new_hits_table": MetadataValue.md(markdown_table(
            ["watch", "comment", "published", "author", "text"],
            ([_escape(names[hit["watch_id"]]), _link(hit),
              f"{hit['published_at'].astimezone(ZONE):%Y-%m-%d %H:%M}", str(hit["from_id"]),
              _escape(hit["text"][:TEXT_SHOWN])] for hit in shown),
            empty="_no new hits in this load_", omitted=sum(new.values()) - len(shown))),
    }


def _escape(text: str) -> str:
    # People's texts in a markdown cell: a '|' or a line break would end it.
    return " ".join(text.split()).replace("|", "\\|")


keyword_watches_job = define_asset_job(
    "deliver_watch_hits", selection=[keyword_watches],
    description="Run the keyword watches over the comments of a load's days and deliver new hits.")


@sensor(job=keyword_watches_job, minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="After each comments load: the keyword watches over that load's days.")
def watches_after_comments(context: SensorEvaluationContext) -> SensorResult:
    result = context.instance.fetch_materializations(
        COMMENTS, limit=200, cursor=context.cursor, ascending=True)
    runs: dict[str, set[str]] = {}
    for record in result.records:
        runs.setdefault(record.run_id, set()).add(record.partition_key or "")
    requests = []
    for run_id, partitions in runs.items():
        run = context.instance.get_run_by_id(run_id)
        first, last = run_partition_keys(run.tags) if run is not None else (None, None)
        days = sorted(day for day in partitions if day)
        first, last = first or (days[0] if days else None), last or (days[-1] if days else None)
        if first and last:
            # One watch run per load: a tick that sees the rest of a run's days asks again
            # with the same key, which Dagster skips.
            requests.append(RunRequest(run_key=f"watches:{run_id}", run_config={"ops": {
                "keyword_watches": {"config": {"first_day": first, "last_day": last}}}}))
    return SensorResult(run_requests=requests, cursor=result.cursor)
