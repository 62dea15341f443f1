"""Shared helpers of the explain page: a matplotlib figure as a base64 PNG data URI, and the figure's colours.

Figures are made with matplotlib's object API (`Figure`, not pyplot), so nothing global is left open, and are
embedded in the page as data URIs: the page is one file that needs no network and no folder beside it.
"""

from __future__ import annotations

import base64
import io
from typing import Any


def new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def data_uri(figure: Any, dpi: int = 80) -> str:
    """The figure as `data:image/png;base64,...` (drawn off-screen by the Agg renderer)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def depth_colours(count: int) -> list:
    """One colour per line, dark (first layer) to yellow (last layer): depth reads as colour, no legend needed."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(i / max(1, count - 1)) for i in range(count)]


def depth_colourbar(figure: Any, axes: Any, count: int) -> None:
    """A colour bar saying that colour is the layer's depth, for `depth_colours`."""
    from matplotlib import cm, colors

    mappable = cm.ScalarMappable(norm=colors.Normalize(0, max(1, count - 1)), cmap="viridis")
    bar = figure.colorbar(mappable, ax=axes)
    bar.set_label("depth (0 = first parameter)")


class Section:
    """One part of the page: an anchor id, a title, the plain-words text that says how to read it, and its
    HTML body (figures, tables or a note)."""

    def __init__(self, id: str, title: str, text: str, html: str = "") -> None:
        self.id, self.title, self.text, self.html = id, title, text, html


def img(uri: str, alt: str) -> str:
    from html import escape

    return f'<img src="{uri}" alt="{escape(alt)}">'


def note(text: str) -> str:
    from html import escape

    return f'<p class="note">{escape(text)}</p>'
