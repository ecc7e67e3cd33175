"""Charts as pictures: one code path for the pages (SVG) and the documents (PNG), and the
same figures as a data table (``fmt="html"``): the chart's text alternative, shown on the
pages behind «показать таблицей».

matplotlib's object API (no pyplot), so figures are safe to draw in any thread.
"""

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from tandem.web.templatetags.typography import number_kept

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

ACCENT = "#1f7a5c"
WARM = "#d9822b"
GRID = "#c9d2cf"


def radar(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
          *, fmt: str = "svg", maximum: float = 3.0) -> bytes:
    """A spider chart of values 0..maximum per label; each series is (name, values)."""
    if fmt == "html":
        return table(_("Область"), labels, series, decimals=1)
    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)] + [0.0]
    fig = _figure(figsize=(6.4, 5.6), dpi=110)
    ax: PolarAxes = fig.add_subplot(projection="polar")  # type: ignore[assignment]
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, maximum)
    ax.set_yticks([1, 2, 3], labels=["1", "2", "3"], color="#7a8582", fontsize=7)
    ax.set_xticks(angles[:-1], labels=[_wrap(lbl) for lbl in labels], fontsize=8)
    ax.grid(color=GRID, linewidth=0.6)
    ax.spines["polar"].set_color(GRID)
    for (name, values), color in zip(series, [WARM, ACCENT, "#4c6ef5"], strict=False):
        points = [v if v is not None else 0.0 for v in values]
        points.append(points[0])
        ax.plot(angles, points, color=color, linewidth=2, label=name)
        ax.fill(angles, points, color=color, alpha=0.15)
    if len(series) > 1:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(series),
                  fontsize=9, frameon=False)
    fig.subplots_adjust(left=0.16, right=0.84, top=0.88, bottom=0.14)
    return _render(fig, fmt)


PALETTE = [ACCENT, WARM, "#4c6ef5", "#8c8c8c", "#b3261e", "#7b5ea7"]
MAX_ROWS = 45  # a chart taller than this many rows stops being read


def heatmap(row_labels: Sequence[str], col_labels: Sequence[str],
            values: Sequence[Sequence[float | str | None]], *, fmt: str = "svg",
            cmap: str = "OrRd", maximum: float = 100.0, unit: str = "%",
            empty: str = "—") -> bytes:
    """A table of coloured cells, rows × columns, each cell labelled with its value;
    ``None`` is an empty (grey) cell, a text a grey cell that says it (a figure
    withheld). Rows past MAX_ROWS are cut (the caller says so)."""
    if fmt == "html":
        columns = [(str(c), [line[j] for line in values]) for j, c in enumerate(col_labels)]
        return table("", row_labels, columns, unit=unit, empty=empty)
    import numpy as np

    rows = list(row_labels)[:MAX_ROWS]
    notes = [[v if isinstance(v, str) else None for v in line]
             for line in list(values)[:MAX_ROWS]]
    grid = np.array([[np.nan if v is None or isinstance(v, str) else float(v) for v in line]
                     for line in list(values)[:MAX_ROWS]], dtype=float).reshape(
                         len(rows), len(col_labels))
    width = max(6.4, 2.8 + 1.2 * len(col_labels))
    fig = _figure(figsize=(width, 1.3 + 0.36 * max(len(rows), 1)), dpi=110)
    ax = fig.add_subplot()
    masked = np.ma.masked_invalid(grid)
    image = ax.imshow(masked, cmap=cmap, vmin=0, vmax=maximum, aspect="auto")
    image.set_cmap(image.cmap.with_extremes(bad="#eef1f0"))
    ax.set_xticks(range(len(col_labels)), labels=[_wrap(c, 14) for c in col_labels],
                  fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), labels=[_short(r, 34) for r in rows], fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i in range(len(rows)):
        for j in range(len(col_labels)):
            v = grid[i, j]
            note = notes[i][j]
            text = note or (empty if np.isnan(v) else f"{v:.0f}{unit}")
            dark = not np.isnan(v) and v > maximum * 0.6
            ax.text(j, i, _wrap(text, 14) if note else text, ha="center", va="center",
                    fontsize=6.5 if note else 7.5, style="italic" if note else "normal",
                    color="white" if dark else "#7a8582" if note else "#2b3331")
    fig.tight_layout()
    return _render(fig, fmt)


def hbars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
          fmt: str = "svg", maximum: float | None = 100.0, unit: str = "%",
          missing: str | None = None, decimals: int = 0) -> bytes:
    """Horizontal bars, one group per label and one bar per series, values written at
    the bar ends; a ``None`` value draws no bar, only the ``missing`` text if given."""
    if fmt == "html":
        return table("", labels, series, unit=unit, decimals=decimals, empty=missing or "—")
    rows = list(labels)[:MAX_ROWS]
    n = max(len(series), 1)
    height = 0.8 / n
    fig = _figure(figsize=(7.2, 1.1 + (0.22 + 0.2 * n) * max(len(rows), 1)), dpi=110)
    ax = fig.add_subplot()
    top = maximum or max((max((x or 0 for x in v), default=0) for _n, v in series),
                         default=1) or 1
    for k, ((name, values), color) in enumerate(zip(series, PALETTE, strict=False)):
        ys = [i - 0.4 + height * (k + 0.5) for i in range(len(rows))]
        pairs = list(zip(ys, list(values)[:len(rows)], strict=True))
        shown = [(y, v) for y, v in pairs if v is not None]
        for y, v in pairs:
            if v is None and missing:
                ax.text(top * 0.01, y, f"{name}: {missing}", va="center", fontsize=7.5,
                        color="#7a8582", style="italic")
        ax.barh([y for y, _v in shown], [v for _y, v in shown], height=height * 0.92,
                color=color, label=name)
        for y, v in shown:
            ax.text(v + top * 0.01, y, f"{v:.{decimals}f}{unit}", va="center",
                    fontsize=7.5, color="#2b3331")
    ax.set_yticks(range(len(rows)), labels=[_short(r, 34) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.12)
    ax.tick_params(axis="x", labelsize=7.5, colors="#7a8582")
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(series) > 1:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(series),
                  fontsize=8, frameon=False)
    fig.tight_layout()
    return _render(fig, fmt)


def stacked_columns(labels: Sequence[str],
                    series: Sequence[tuple[str, Sequence[int], str]], *,
                    fmt: str = "svg") -> bytes:
    """Columns stacked by series (name, values, colour), e.g. pairs by status per month."""
    if fmt == "html":
        return table("", labels, [(name, values) for name, values, _colour in series],
                     unit="")
    fig = _figure(figsize=(7.2, 3.6), dpi=110)
    ax = fig.add_subplot()
    bottom = [0] * len(labels)
    for name, values, color in series:
        ax.bar(range(len(labels)), values, bottom=bottom, color=color, label=name, width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylim(0, max([*bottom, 1]) * 1.08)  # headroom: the tallest column is not cut
    ax.set_xticks(range(len(labels)), labels=labels, fontsize=7.5,
                  rotation=45 if len(labels) > 8 else 0,
                  ha="right" if len(labels) > 8 else "center")
    ax.tick_params(axis="y", labelsize=7.5, colors="#7a8582")
    ax.grid(axis="y", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8,
              frameon=False)
    fig.tight_layout()
    return _render(fig, fmt)


def _short(label: str, width: int) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _wrap(label: str, width: int = 16) -> str:
    """Lines of at most ``width`` characters where the words allow; a long hyphenated
    word breaks after its hyphen («психолого-/педагогические»)."""
    words: list[str] = []
    for word in label.split():
        parts = word.split("-")
        if len(word) > width and len(parts) > 1:
            words += [p + "-" for p in parts[:-1]] + [parts[-1]]
        else:
            words.append(word)
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        elif line.endswith("-"):
            line += word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _figure(**size: Any) -> "Figure":
    """A new figure. matplotlib (≈ 55 MB in the process) is imported on the first chart a
    process draws, not by every page that imports this module."""
    from matplotlib.figure import Figure

    return Figure(**size)


def _render(fig: "Figure", fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def table(corner: str, labels: Sequence[str],
          series: Sequence[tuple[str, Sequence[float | int | str | None]]], *, unit: str = "",
          decimals: int = 0, empty: str = "—") -> bytes:
    """The chart's figures as an HTML table: a row per label (an organization's «№» kept
    with its number, as ``|number_kept`` does), a column per series; a text is written as
    it is (a figure withheld)."""
    def cell(value: float | int | str | None) -> str:
        if value is None:
            return empty
        if isinstance(value, str):
            return value
        number = f"{value:.{decimals}f}".replace(".", ",")
        return f"{number}\u00a0{unit}" if unit == "%" else f"{number}{unit}"

    head = format_html("<tr><th scope=\"col\">{}</th>{}</tr>", corner,
                       format_html_join("", "<th scope=\"col\" class=\"num\">{}</th>",
                                        ((name,) for name, _v in series)))
    rows = format_html_join("", "<tr><th scope=\"row\">{}</th>{}</tr>", (
        (number_kept(label), format_html_join("", "<td class=\"num\">{}</td>",
                                 ((cell(list(values)[i] if i < len(values) else None),)
                                  for _n, values in series)))
        for i, label in enumerate(labels)))
    html = format_html("<div class=\"table-wrap\"><table class=\"striped chart-data\">"
                       "<thead>{}</thead><tbody>{}</tbody></table></div>", head, rows)
    return str(html).encode()


CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png",
                 "html": "text/html; charset=utf-8"}
