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


def bar_chart(title: str, series: Sequence[str], groups: Sequence[BarGroup], *, width: int = 640) -> Markup:
    """An SVG with one group of bars per label and a legend; `title` is its accessible name. Each group's
    label is written in full on its own line above its bars (a priority's name is never cut short)."""
    bar_height, label_height, gap, top, value_room = 11, 12, 8, 24, 80
    chart_width = width - value_room
    biggest = max([v for g in groups for v in g.values] + [1])
    group_height = label_height + bar_height * len(series) + gap
    height = top + group_height * len(groups) + 4
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" '
            'viewBox="0 0 {w} {h}" font-family="Liberation Sans, Arial, DejaVu Sans, sans-serif" font-size="8">'
        ).format(w=width, h=height),
        Markup("<title>{}</title>").format(title),
    ]
    x = 0
    for index, name in enumerate(series):
        fill, stroke, stroke_width = FILLS[index % len(FILLS)]
        parts.append(
            Markup(
                '<rect x="{}" y="6" width="10" height="8" fill="{}" stroke="{}" stroke-width="{}"/>'
            ).format(x, fill, stroke, stroke_width)
        )
        parts.append(Markup('<text x="{}" y="13">{}</text>').format(x + 14, name))
        x += 14 + 5 * len(name) + 16
    for g_index, group in enumerate(groups):
        y = top + g_index * group_height
        parts.append(
            Markup('<text x="0" y="{}" font-weight="bold">{}</text>').format(
                y + label_height - 3, group.label
            )
        )
        for s_index, value in enumerate(group.values):
            fill, stroke, stroke_width = FILLS[s_index % len(FILLS)]
            bar_y = y + label_height + s_index * bar_height
            length = max(0.0, chart_width * value / biggest)
            parts.append(
                Markup(
                    '<rect x="0" y="{}" width="{:.1f}" height="{}" fill="{}" stroke="{}" stroke-width="{}"/>'
                ).format(bar_y, length, bar_height - 1.5, fill, stroke, stroke_width)
            )
            parts.append(
                Markup('<text x="{:.1f}" y="{}">{}</text>').format(
                    length + 3, bar_y + bar_height - 2.5, format_pence(value)
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
