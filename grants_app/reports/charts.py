"""A horizontal bar chart drawn with HTML and CSS (a small template), so the PDF needs no script, no
charting library and no image.

Why not SVG: WeasyPrint writing a tagged PDF (PDF/UA-1) with any inline SVG in it took about 80 MB more
peak memory for the 1,000-grant spend report (bench/report_pdf.py), and SVG text is not tagged text.
Here every label and value is real text that a screen reader reads in order, and the bars are boxes.

Readable in greyscale: each measure has its own fill (black, mid grey, white with a black outline: the
`bar-0`..`bar-2` classes in report.css) and every bar carries its value as text, so nothing depends on
colour. Built as Markup from escaped parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from grants_app.money import format_pence

SERIES_STYLES = 3  # bar-0 black, bar-1 mid grey, bar-2 white outlined (report.css)
# The longest bar takes this share of the width; the rest leaves room for its value.
LONGEST_PERCENT = 78


@dataclass(frozen=True)
class BarGroup:
    label: str
    values: Sequence[int]  # pence, one per series


def bar_chart(title: str, series: Sequence[str], groups: Sequence[BarGroup]) -> Markup:
    """A chart with a legend and, for each group, its label in full on its own line above one bar per
    series, each labelled with its amount. `title` is the chart's accessible name."""
    biggest = max([v for g in groups for v in g.values] + [1])
    parts = [
        Markup('<div class="bars" role="figure" aria-label="{}">').format(title),
        Markup('<p class="bars-legend">'),
    ]
    for index, name in enumerate(series):
        parts.append(Markup('<span class="swatch bar-{}"></span> {} ').format(index % SERIES_STYLES, name))
    parts.append(Markup("</p>"))
    for group in groups:
        parts.append(Markup('<div class="bars-group"><p class="bars-label">{}</p>').format(group.label))
        for index, value in enumerate(group.values):
            width = max(0.0, LONGEST_PERCENT * value / biggest)
            parts.append(
                Markup(
                    '<p class="bars-row"><span class="bar bar-{}" style="width: {:.2f}%"></span> {}</p>'
                ).format(index % SERIES_STYLES, width, format_pence(value))
            )
        parts.append(Markup("</div>"))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)
