"""Draw a workflow definition as an SVG diagram of its states and transitions, in pure Python.

No graphviz or JavaScript: states are laid out in columns by their distance from the initial state, so
the picture reads left to right in the order an application usually travels.
"""

from __future__ import annotations

from collections import deque
from xml.sax.saxutils import escape

from markupsafe import Markup

BOX_W, BOX_H = 170, 44
COL_GAP, ROW_GAP = 70, 22
MARGIN = 20


def _layers(definition) -> dict[str, int]:
    depth = {definition.initial: 0}
    queue = deque([definition.initial])
    while queue:
        state = queue.popleft()
        for t in definition.transitions_from(state):
            if t.dest not in depth:
                depth[t.dest] = depth[state] + 1
                queue.append(t.dest)
    for name in definition.states:  # unreachable states are refused at load; kept for safety
        depth.setdefault(name, max(depth.values()) + 1)
    # End states go one column after the furthest state that leads to them (withdrawn can happen
    # late), so arrows into them run left to right instead of looping back across the picture.
    for name, state in definition.states.items():
        if state.terminal:
            sources = [src for t in definition.transitions if t.dest == name for src in t.sources]
            if sources:
                depth[name] = max(depth[name], max(depth[src] for src in sources) + 1)
    return depth


def _wrap(text: str, width: int = 22) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line][:2]


def render_svg(definition, current: str | None = None, *, window: int | None = None) -> Markup:
    """The workflow as an SVG picture, the current state highlighted.

    With `window`, the picture shows only that many columns around the current state (one before it,
    the rest after), so it fits a page at a readable size with the current state in view; without, the
    whole workflow (the Workflows page, which scrolls). Either way the SVG scales to its box."""
    depth = _layers(definition)
    degree = {name: 0 for name in definition.states}
    for t in definition.transitions:
        degree[t.dest] += len(t.sources)
        for source in t.sources:
            degree[source] += 1
    columns: dict[int, list[str]] = {}
    for name in definition.states:
        columns.setdefault(depth[name], []).append(name)
    # The busiest live state of each column goes on the top row, so the usual path reads along it.
    for names in columns.values():
        names.sort(key=lambda n: (definition.states[n].terminal, -degree[n]))
    backward = sum(
        1 for t in definition.transitions for source in set(t.sources) if depth[t.dest] < depth[source]
    )
    top = MARGIN + 14 + 6 * backward  # a lane above the boxes for arrows going back to an earlier state
    pos: dict[str, tuple[int, int]] = {}
    for col, names in columns.items():
        for row, name in enumerate(names):
            pos[name] = (MARGIN + col * (BOX_W + COL_GAP), top + row * (BOX_H + ROW_GAP))
    width = MARGIN * 2 + (max(columns) + 1) * (BOX_W + COL_GAP) - COL_GAP
    height = top + MARGIN + max(len(n) for n in columns.values()) * (BOX_H + ROW_GAP) - ROW_GAP
    lane = 0
    title = f"The {definition.name.replace('_', ' ')} workflow"
    desc = f"{len(definition.states)} states and {len(definition.transitions)} transitions"
    if current:
        desc += f"; the current state is {definition.staff_label(current)}"
    view_x, view_width = 0, width
    total_columns = max(depth.values()) + 1
    if window and current in depth and window < total_columns:
        first = min(max(depth[current] - 1, 0), total_columns - window)
        view_x = first * (BOX_W + COL_GAP)
        view_width = MARGIN * 2 + window * (BOX_W + COL_GAP) - COL_GAP
        desc += "; the picture shows the states around it (the Workflows page has the whole workflow)"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_x} 0 {view_width} {height}" '
        f'width="{view_width}" height="{height}" role="img" aria-labelledby="wf-title wf-desc" '
        f'class="workflow-diagram" preserveAspectRatio="xMinYMin meet">',
        f'<title id="wf-title">{escape(title)}</title><desc id="wf-desc">{escape(desc)}</desc>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#505a5f"/></marker></defs>',
    ]
    seen: set[tuple[str, str]] = set()
    for t in definition.transitions:
        for source in t.sources:
            if (source, t.dest) in seen:
                continue
            seen.add((source, t.dest))
            sx, sy = pos[source]
            dx, dy = pos[t.dest]
            if dx > sx:
                x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, dx, dy + BOX_H / 2
                path = f"M {x1} {y1} C {x1 + 35} {y1}, {x2 - 35} {y2}, {x2} {y2}"
            elif dx < sx:  # going back (e.g. resubmitted after information): over the top, one lane each
                lane += 1
                x1, y1 = sx + BOX_W / 2 + 12, sy
                x2, y2 = dx + BOX_W / 2 + 12, dy
                ly = top - 8 - 6 * (lane - 1)
                path = f"M {x1} {y1} L {x1} {ly} L {x2} {ly} L {x2} {y2}"
            else:  # same column
                x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, dx + BOX_W, dy + BOX_H / 2
                path = f"M {x1} {y1} C {x1 + 40} {y1}, {x2 + 40} {y2}, {x2} {y2}"
            label = escape(f"{t.label}: {definition.staff_label(source)} to {definition.staff_label(t.dest)}")
            out.append(
                f'<path d="{path}" fill="none" stroke="#505a5f" stroke-width="1.4" '
                f'marker-end="url(#arrow)"><title>{label}</title></path>'
            )
    for name, state in definition.states.items():
        x, y = pos[name]
        is_current = name == current
        fill = "#1d70b8" if is_current else ("#f3f2f1" if state.terminal else "#ffffff")
        stroke = "#0b0c0c" if is_current else "#505a5f"
        text_fill = "#ffffff" if is_current else "#0b0c0c"
        dash = ' stroke-dasharray="4 3"' if state.terminal and not is_current else ""
        out.append(
            f'<g class="state{" current" if is_current else ""}" data-state="{escape(name)}">'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{3 if is_current else 1.5}"{dash}/>'
        )
        lines = _wrap(state.staff_label)
        for i, line in enumerate(lines):
            ty = y + BOX_H / 2 + (i - (len(lines) - 1) / 2) * 15 + 5
            out.append(
                f'<text x="{x + BOX_W / 2}" y="{ty}" text-anchor="middle" font-family="sans-serif" '
                f'font-size="13" fill="{text_fill}">{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    # Every label above went through escape(), so the SVG is safe to put in a page as it is.
    return Markup("".join(out))  # noqa: S704
