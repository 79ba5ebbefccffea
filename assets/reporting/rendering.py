"""How results look on a Dagster asset or check page: markdown tables, and charts drawn with
matplotlib as PNG images embedded in the markdown (the UI shows both inline).

Figure objects are used directly, without pyplot: no global state, no display backend.
"""


import base64
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
from matplotlib.figure import Figure

from assets.partitions import PARTITIONS_TIMEZONE

# A frame's table longer than this is cut: the UI is for reading, the database for everything.
MAX_TABLE_ROWS = 60
BAR_COLOR, SECOND_BAR_COLOR = "#4a76a8", "#7aa35a"


# ------------------------------------------------------------------------------ tables

def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]], *, empty: str,
                   omitted: int = 0) -> str:
    """A markdown table of `rows` (cell texts, put in as given) under `header`; `empty` instead
    when there are no rows. `omitted` rows left out are said in a note below the table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    if len(lines) == 2:
        return empty
    if omitted > 0:
        lines.append(f"\n_{omitted} more rows not shown_")
    return "\n".join(lines)


def frame_table(frame: pd.DataFrame, columns: dict, formats: dict | None = None,
                empty: str = "nothing in the period") -> str:
    """A markdown table of a frame's `columns` (name in the frame -> header), values formatted
    with `formats` (name -> format spec); cut at MAX_TABLE_ROWS rows."""
    formats = formats or {}
    shown = frame.head(MAX_TABLE_ROWS)
    return markdown_table(
        list(columns.values()),
        ([_cell(row[name], formats.get(name)) for name in columns] for _, row in shown.iterrows()),
        empty=f"_{empty}_", omitted=len(frame) - len(shown))


def _cell(value, fmt: str | None) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, datetime):  # pandas Timestamps too
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(PARTITIONS_TIMEZONE))
        value = value.strftime("%Y-%m-%d %H:%M")
    text = format(value, fmt) if fmt else str(value)
    # Frames hold people's texts: a '|' or a line break in a cell would end it.
    return text.replace("|", "\\|").replace("\n", " ")


# ------------------------------------------------------------------------------ charts

def chart(title: str, draw: Callable[[Figure], None], size=(9, 4.5)) -> str:
    """The figure `draw` draws, titled, as a markdown image (base64 PNG)."""
    figure = Figure(figsize=size, dpi=100, layout="constrained")
    draw(figure)
    figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"![{title}](data:image/png;base64,{encoded})"


def bar_chart(title: str, labels, values, xlabel: str) -> str:
    """Horizontal bars, the first label on top; as tall as the labels need."""
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        axes.barh([str(label) for label in labels][::-1], list(values)[::-1], color=BAR_COLOR)
        axes.set_xlabel(xlabel)
    return chart(title, draw, size=(9, max(2.5, 0.35 * len(labels) + 1)))


def histogram(title: str, values, xlabel: str, ylabel: str) -> str:
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        axes.hist(values, bins=30, color=BAR_COLOR)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
    return chart(title, draw)


def heatmap(title: str, grid: pd.DataFrame, rows: Sequence[str], xlabel: str, colorbar: str) -> str:
    """A grid of numbers (NaN: blank) as colors; `rows` label its rows, its columns are hours."""
    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        image = axes.imshow(grid.to_numpy(dtype=float), aspect="auto", cmap="YlOrRd")
        axes.set_yticks(range(len(rows)), rows)
        axes.set_xticks(range(len(grid.columns)), [f"{hour:02d}" for hour in grid.columns],
                        fontsize="small")
        axes.set_xlabel(xlabel)
        figure.colorbar(image, ax=axes, label=colorbar)
    return chart(title, draw, size=(11, 4))


def community_trend(title: str, days: pd.DataFrame, er_label: str) -> str:
    """Two lines per community over its days: `er_day_avg_7` above, `members` below."""
    def draw(figure: Figure) -> None:
        er, audience = figure.subplots(2, 1, sharex=True)
        for _, group in days.groupby("group_id"):
            name = group["group_name"].iloc[0]
            er.plot(group["day"], group["er_day_avg_7"], label=name)
            audience.plot(group["day"], group["members"], label=name)
        er.set_ylabel(er_label)
        audience.set_ylabel("members")
        er.legend(fontsize="small")
        figure.autofmt_xdate()
    return chart(title, draw, size=(10, 6))


def paired_columns(title: str, left: tuple[str, Sequence, Sequence], right: tuple[str, Sequence, Sequence],
                   ylabel: str) -> str:
    """Two column charts side by side, each (title, labels, values); `ylabel` on the left one."""
    def draw(figure: Figure) -> None:
        pair = figure.subplots(1, 2)
        for axes, (name, labels, values), color in zip(pair, (left, right), (BAR_COLOR, SECOND_BAR_COLOR)):
            axes.bar(labels, values, color=color)
            axes.set_title(name, fontsize="medium")
            axes.tick_params(axis="x", labelrotation=45)
        pair[0].set_ylabel(ylabel)
    return chart(title, draw, size=(11, 4.5))


def paired_bars(title: str, left: tuple[str, Sequence, Sequence], right: tuple[str, Sequence, Sequence],
                xlabel: str, height: float) -> str:
    """Two horizontal bar charts side by side, each (title, labels, values), first label on top."""
    def draw(figure: Figure) -> None:
        for axes, (name, labels, values) in zip(figure.subplots(1, 2), (left, right)):
            axes.barh(labels[::-1], values[::-1], color=BAR_COLOR)
            axes.set_title(name, fontsize="medium")
            axes.set_xlabel(xlabel)
    return chart(title, draw, size=(11, height))
