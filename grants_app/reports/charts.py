"""A horizontal bar chart as SVG, drawn here so the PDF needs no script and no charting library.

Readable in greyscale: each measure has its own fill (black, mid grey, white with a black outline) and
every bar carries its value as text, so nothing depends on colour. Built as Markup from escaped parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from grants_app.money import format_pence

# (fill, stroke, stroke width) per series: black, mid grey, white outlined.
FILLS = (("#0b0c0c", "none", 0), ("#8a8f93", "none", 0), ("#ffffff", "#0b0c0c", 0.8))


@dataclass(frozen=True)
class BarGroup:
    label: str
    values: Sequence[int]  # pence, one per series


def bar_chart(title: str, series: Sequence[str], groups: Sequence[BarGroup], *, width: int = 520) -> Markup:
    """An SVG with one group of bars per label and a legend; `title` is its accessible name."""
    label_width, bar_height, gap, top = 150, 11, 10, 24
    chart_width = width - label_width - 90
    biggest = max([v for g in groups for v in g.values] + [1])
    group_height = bar_height * len(series) + gap
    height = top + group_height * len(groups) + 6
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" '
            'viewBox="0 0 {w} {h}" font-family="Liberation Sans, Arial, DejaVu Sans, sans-serif" font-size="8">'
        ).format(w=width, h=height),
        Markup("<title>{}</title>").format(title),
    ]
    x = label_width
    for index, name in enumerate(series):
        fill, stroke, stroke_width = FILLS[index % len(FILLS)]
        parts.append(
            Markup(
                '<rect x="{}" y="6" width="10" height="8" fill="{}" stroke="{}" stroke-width="{}"/>'
            ).format(x, fill, stroke, stroke_width)
        )
        parts.append(Markup('<text x="{}" y="13">{}</text>').format(x + 14, name))
        x += 14 + 6 * len(name) + 16
    for g_index, group in enumerate(groups):
        y = top + g_index * group_height
        parts.append(
            Markup('<text x="0" y="{}" font-weight="bold">{}</text>').format(
                y + bar_height * len(series) / 2 + 3, _truncate(group.label, 34)
            )
        )
        for s_index, value in enumerate(group.values):
            fill, stroke, stroke_width = FILLS[s_index % len(FILLS)]
            bar_y = y + s_index * bar_height
            length = max(0.0, chart_width * value / biggest)
            parts.append(
                Markup(
                    '<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}" stroke="{}" stroke-width="{}"/>'
                ).format(label_width, bar_y, length, bar_height - 1.5, fill, stroke, stroke_width)
            )
            parts.append(
                Markup('<text x="{:.1f}" y="{}">{}</text>').format(
                    label_width + length + 3, bar_y + bar_height - 2.5, format_pence(value)
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
