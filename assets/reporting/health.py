"""How the database's health looks on its asset page: one markdown table per measure, a chart
of the largest tables and one of the comments partitions growing over time.

Rows are the health queries' (sql/queries/health_*.sql), as dictionaries; nothing here reads
the database.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from matplotlib.figure import Figure

from assets.reporting.rendering import MAX_TABLE_ROWS, bar_chart, chart, markdown_table

MIB = 1024 * 1024
# More lines than this and the chart of partitions is noise: the newest months are drawn.
MAX_PARTITION_LINES = 12
LARGEST_TABLES = 15


def size(bytes_: int | None) -> str:
    if bytes_ is None:
        return "–"
    for unit, factor in (("GiB", 1024 ** 3), ("MiB", MIB), ("KiB", 1024)):
        if bytes_ >= factor:
            return f"{bytes_ / factor:,.1f} {unit}"
    return f"{bytes_} B"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _cut(rows: Sequence[dict]) -> tuple[Sequence[dict], int]:
    return rows[:MAX_TABLE_ROWS], max(0, len(rows) - MAX_TABLE_ROWS)


def sizes_table(rows: Sequence[dict]) -> str:
    shown, omitted = _cut(rows)
    return markdown_table(
        ["relation", "kind", "partition of", "size", "with indexes"],
        ([r["relation"], r["kind"], r["partition_of"] or "", size(r["bytes"]), size(r["total_bytes"])]
         for r in shown),
        empty="_no tables_", omitted=omitted)


def largest_tables_chart(rows: Sequence[dict]) -> str:
    # Partitioned tables are drawn whole; their partitions would count the same bytes twice.
    tables = [r for r in rows if r["kind"] == "table" and r["partition_of"] is None][:LARGEST_TABLES]
    return bar_chart("Largest tables (with indexes)", [r["relation"] for r in tables],
                     [r["total_bytes"] / MIB for r in tables], "MiB")


def partition_history_chart(history: Sequence[dict]) -> str:
    """Each comments partition's size at every snapshot, and their total."""
    by_partition: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    totals: dict[datetime, float] = defaultdict(float)
    for row in history:
        by_partition[row["relation"]].append((row["taken_at"], row["total_bytes"] / MIB))
        totals[row["taken_at"]] += row["total_bytes"] / MIB

    def draw(figure: Figure) -> None:
        each, whole = figure.subplots(1, 2)
        for name in sorted(by_partition)[-MAX_PARTITION_LINES:]:
            points = by_partition[name]
            each.plot([t for t, _ in points], [v for _, v in points], marker="o", markersize=3,
                      label=name.removeprefix("vk.comments_"))
        each.set_title("each month's partition", fontsize="medium")
        each.set_ylabel("MiB")
        if by_partition:
            each.legend(fontsize="x-small", ncols=2)
        moments = sorted(totals)
        whole.plot(moments, [totals[t] for t in moments], marker="o", color="#4a76a8")
        whole.set_title("all partitions", fontsize="medium")
        figure.autofmt_xdate()

    return chart("vk.comments on disk over time", draw, size=(11, 4.5))


def maintenance_table(rows: Sequence[dict]) -> str:
    shown, omitted = _cut(rows)
    return markdown_table(
        ["table", "live", "dead", "autovacuum at", "autovacuum", "last vacuum", "last autovacuum",
         "last analyze", "last autoanalyze", "lags"],
        ([r["relation"], f"{r['live_tuples']:,}", f"{r['dead_tuples']:,}", f"{r['vacuum_threshold']:,}",
          "on" if r["autovacuum_enabled"] else "**off**", _when(r["last_vacuum"]),
          _when(r["last_autovacuum"]), _when(r["last_analyze"]), _when(r["last_autoanalyze"]),
          "**yes**" if r["lagging"] else "no"] for r in shown),
        empty="_no tables_", omitted=omitted)


def partitions_table(rows: Sequence[dict]) -> str:
    return markdown_table(
        ["month", "partition", "present"],
        ([r["month"], r["partition"], "yes" if r["present"] else "**missing**"] for r in rows),
        empty="_no months_")


def unused_indexes_table(rows: Sequence[dict], stats_reset: datetime | None) -> str:
    since = f"since {_when(stats_reset)}" if stats_reset else "since the server's statistics began"
    shown, omitted = _cut(rows)
    table = markdown_table(
        ["index", "table", "size", "enforces a constraint"],
        ([r["index_name"], r["table_name"], size(r["bytes"]),
          "yes (keep)" if r["enforces_constraint"] else "no"] for r in shown),
        empty="_every index has been used_", omitted=omitted)
    return f"Indexes never scanned {since}:\n\n{table}"


def connections_text(server: dict) -> str:
    usable = server["max_connections"] - server["reserved_connections"]
    return (f"{server['connections']} client connections of {usable} available to applications "
            f"(max_connections {server['max_connections']}, {server['reserved_connections']} "
            f"reserved): {server['connections_active']} active, "
            f"{server['connections_idle_in_transaction']} idle in a transaction.")


def statements_table(rows: Sequence[dict] | None, unavailable: str | None) -> str:
    if unavailable:
        return unavailable
    return markdown_table(
        ["#", "statement", "calls", "mean ms", "total ms", "rows"],
        ([str(r["rank"]), f"`{r['query'].replace('`', '').replace('|', '/')}`", f"{r['calls']:,}", f"{r['mean_ms']:.2f}",
          f"{r['total_ms']:,.0f}", f"{r['rows']:,}"] for r in rows or ()),
        empty="_no statement called often enough yet_")
