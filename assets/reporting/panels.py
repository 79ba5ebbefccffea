"""Charts that put communities next to each other: a community × community matrix as a heat
map, and one bar panel per metric with the communities side by side. Drawn with
rendering.chart, so they embed in the asset page like every other chart."""

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from assets.reporting.rendering import BAR_COLOR, chart


def matrix_heatmap(title: str, shares: pd.DataFrame, counts: pd.DataFrame, colorbar: str) -> str:
    """A square matrix (same labels on both axes): colors from `shares` (NaN: blank), each
    cell annotated with its share and, below it, its number from `counts`."""
    labels = [str(label) for label in shares.index]

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        image = axes.imshow(shares.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1)
        axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
        axes.set_yticks(range(len(labels)), labels)
        for row, name in enumerate(shares.index):
            for column, other in enumerate(shares.columns):
                share, count = shares.loc[name, other], counts.loc[name, other]
                if pd.notna(share):
                    axes.text(column, row, f"{share:.2f}\n{int(count)}", ha="center",
                              va="center", fontsize="small",
                              color="white" if share > 0.6 else "black")
        figure.colorbar(image, ax=axes, label=colorbar)
    side = max(4.5, 0.8 * len(labels) + 2.5)
    return chart(title, draw, size=(side + 1.5, side))


def metric_panels(title: str, labels: Sequence[str], panels: Sequence[tuple[str, Sequence]],
                  columns: int = 3) -> str:
    """One horizontal bar panel per (metric title, values), the communities in the same order
    (the first on top) in every panel, so a row of bars reads as one community."""
    rows = -(-len(panels) // columns)

    def draw(figure: Figure) -> None:
        grid = figure.subplots(rows, columns, sharey=True, squeeze=False)
        for axes, (name, values) in zip(grid.flat, panels):
            axes.barh([str(label) for label in labels][::-1],
                      [0 if pd.isna(value) else value for value in values][::-1], color=BAR_COLOR)
            axes.set_title(name, fontsize="medium")
        for axes in list(grid.flat)[len(panels):]:
            axes.set_visible(False)
    return chart(title, draw, size=(12, rows * max(2.2, 0.35 * len(labels) + 1.2)))
