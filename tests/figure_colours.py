"""What the chapters' figure tests read of a figure's colours (one copy for every chapter's test): the colours it
draws and the colours of the book's methods, which no category that is not a method may take
(`forlab.book.plots.category_colours`)."""

from __future__ import annotations

from matplotlib.colors import to_hex, to_rgba_array

from forlab.book import plots


def method_colours() -> set[str]:
    """The colours (hex) of P1, P2 and P3 (`plots.METHOD_STYLE`; the integrated AC-OPF's black is also the neutral)."""
    return {to_hex(s["color"]) for m, s in plots.METHOD_STYLE.items() if m != "integrated"}


def drawn_colours(fig) -> set[str]:
    """The colours (hex) of every line, marker, collection and patch of ``fig``'s axes (unfilled ones left out)."""
    found = []
    for ax in fig.axes:
        for line in ax.get_lines():
            found += [line.get_color(), line.get_markerfacecolor(), line.get_markeredgecolor()]
        for artist in [*ax.collections, *ax.patches]:
            found += [artist.get_facecolor(), artist.get_edgecolor()]
    return {to_hex(c, keep_alpha=False) for colours in found for c in to_rgba_array(colours) if c[3] > 0}
