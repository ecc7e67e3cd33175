"""Charts as pictures: one code path for the pages (SVG) and the documents (PNG).

matplotlib's object API (no pyplot), so figures are safe to draw in any thread.
"""

import io
import math
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

ACCENT = "#1f7a5c"
WARM = "#d9822b"
GRID = "#c9d2cf"


def radar(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
          *, fmt: str = "svg", maximum: float = 3.0) -> bytes:
    """A spider chart of values 0..maximum per label; each series is (name, values)."""
    n = len(labels)
    angles = [2 * math.pi * i / n for i in range(n)] + [0.0]
    fig = Figure(figsize=(6.4, 5.6), dpi=110)
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


def _wrap(label: str, width: int = 16) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _render(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
