"""Server-rendered SVG charts with a text alternative.

Each chart is a ``<figure>``: an ``<svg role="img">`` whose ``<title>`` and
``<desc>`` say what it shows, and a data table with the same numbers (for screen
readers, for print, for copying). Values are written on the bars and series differ
by pattern and dash as well as colour, so a black-and-white printout still reads.
Everything is escaped; no script, no external resource.
"""
from __future__ import annotations

import itertools

from flask_babel import gettext as _
from markupsafe import Markup, escape

#: fills that stay distinct in greys: (colour, pattern id or None)
SERIES = [("#1f4e79", None), ("#9dc3e6", "hatch"), ("#c55a11", "dots"), ("#548235", None), ("#7f6000", "hatch")]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2"]
_ids = itertools.count(1)

_DEFS = ('<defs><pattern id="{p}hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
         'patternTransform="rotate(45)"><rect width="6" height="6" fill="{c2}"/>'
         '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.2"/></pattern>'
         '<pattern id="{p}dots" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="{c3}"/>'
         '<circle cx="2.5" cy="2.5" r="1.1" fill="#000"/></pattern></defs>')


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "—"
    s = f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
    return f"{s}{unit}"


def _fill(i: int, prefix: str) -> str:
    colour, pattern = SERIES[i % len(SERIES)]
    return f"url(#{prefix}{pattern})" if pattern else colour


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    n = next(_ids)
    p = f"ch{n}-"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="an-chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{p}t {p}d" font-family="DejaVu Sans, sans-serif" '
            f'font-size="12"><title id="{p}t">{escape(title)}</title><desc id="{p}d">{escape(desc)}</desc>'
            + _DEFS.format(p=p, c2=SERIES[1][0], c3=SERIES[2][0]))
    return head, p


def _table(caption: str, head: list[str], rows: list[list]) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join("<tr>" + f'<th scope="row">{escape(r[0])}</th>' +
                   "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>" for r in rows)
    return (f'<table class="table an-chart-data"><caption>{escape(caption)}</caption>'
            f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")


def _figure(svg: str, title: str, table: str) -> Markup:
    data = _("Figures of the chart")
    return Markup(f'<figure class="an-figure">{svg}<figcaption>{escape(title)}</figcaption>'
                  f'<details class="an-data" open><summary>{escape(data)}</summary>'
                  f'{table}</details></figure>')


def _legend(series: list[str], x: int, y: int, p: str, lines: bool = False, start: int = 0) -> str:
    out = []
    for n, name in enumerate(series):
        xx, i = x + n * 170, n + start
        if lines:
            colour = SERIES[i % len(SERIES)][0]
            out.append(f'<line x1="{xx}" y1="{y - 4}" x2="{xx + 22}" y2="{y - 4}" stroke="{colour}" stroke-width="2.5" '
                       f'stroke-dasharray="{DASHES[i % len(DASHES)]}"/>')
        else:
            out.append(f'<rect x="{xx}" y="{y - 11}" width="14" height="12" fill="{_fill(i, p)}" stroke="#000" stroke-width=".5"/>')
        out.append(f'<text x="{xx + 28}" y="{y}">{escape(name)}</text>')
    return "".join(out)


def hbars(title: str, desc: str, labels: list[str], series: list[tuple[str, list]], *, maximum: float,
          unit: str = "") -> Markup:
    """Horizontal bars: one group per label, one bar per series (e.g. this period and the previous)."""
    label_w, bar_h, gap = 190, 14, 10
    group_h = bar_h * len(series) + gap
    width, top = 640, 34
    plot_w = width - label_w - 60
    height = top + group_h * max(1, len(labels)) + 10
    svg, p = _open(width, height, title, desc)
    parts = [svg, _legend([s for s, _ in series], label_w, 18, p)]
    for i, label in enumerate(labels):
        y0 = top + i * group_h
        parts.append(f'<text x="{label_w - 6}" y="{y0 + bar_h * len(series) / 2 + 4}" text-anchor="end">'
                     f'{escape(label[:28])}</text>')
        for j, (_name, values) in enumerate(series):
            v = values[i]
            w = 0 if not v or not maximum else max(1.0, plot_w * float(v) / maximum)
            y = y0 + j * bar_h
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{_fill(j, p)}" '
                         f'stroke="#000" stroke-width=".4"/>')
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" font-size="11">{escape(_fmt(v, unit))}</text>')
    parts.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{height - 6}" stroke="#000"/></svg>')
    table = _table(title, [""] + [s for s, _ in series], [[lab] + [_fmt(vals[i], unit) for _, vals in series]
                                                          for i, lab in enumerate(labels)])
    return _figure("".join(parts), title, table)


def vbars(title: str, desc: str, labels: list[str], values: list, *, unit: str = "") -> Markup:
    """Vertical bars with the value above each (e.g. how many 5s, 4s, 3s, 2s)."""
    width, height, bottom, top = max(260, 70 * len(labels) + 40), 220, 30, 20
    plot_h = height - bottom - top
    top_v = max([v for v in values if v] or [1])
    svg, p = _open(width, height, title, desc)
    parts = [svg]
    for i, (label, v) in enumerate(zip(labels, values)):
        x = 30 + i * 70
        h = 0 if not v else max(1.0, plot_h * v / top_v)
        y = top + plot_h - h
        parts.append(f'<rect x="{x}" y="{y:.1f}" width="46" height="{h:.1f}" fill="{_fill(i, p)}" stroke="#000" stroke-width=".4"/>')
        parts.append(f'<text x="{x + 23}" y="{y - 4:.1f}" text-anchor="middle">{escape(_fmt(v, unit))}</text>')
        parts.append(f'<text x="{x + 23}" y="{height - 10}" text-anchor="middle" font-weight="bold">{escape(label)}</text>')
    parts.append(f'<line x1="20" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#000"/></svg>')
    table = _table(title, ["", title], [[lab, _fmt(v, unit)] for lab, v in zip(labels, values)])
    return _figure("".join(parts), title, table)


def stacked(title: str, desc: str, labels: list[str], series: list[tuple[str, list]]) -> Markup:
    """Horizontal stacked bars (e.g. lessons missed per student: ill, valid reason, without reason)."""
    label_w, bar_h, width, top = 190, 16, 640, 34
    plot_w = width - label_w - 50
    totals = [sum(vals[i] or 0 for _, vals in series) for i in range(len(labels))]
    top_v = max(totals or [1]) or 1
    height = top + (bar_h + 4) * max(1, len(labels)) + 10
    svg, p = _open(width, height, title, desc)
    parts = [svg, _legend([s for s, _ in series], label_w, 18, p)]
    for i, label in enumerate(labels):
        y = top + i * (bar_h + 4)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{escape(label[:28])}</text>')
        x = float(label_w)
        for j, (_name, vals) in enumerate(series):
            v = vals[i] or 0
            w = plot_w * v / top_v
            if v:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{_fill(j, p)}" '
                             f'stroke="#000" stroke-width=".4"/>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 4}" font-size="11">{totals[i]}</text>')
    parts.append("</svg>")
    table = _table(title, [""] + [s for s, _ in series], [[lab] + [vals[i] or 0 for _, vals in series]
                                                          for i, lab in enumerate(labels)])
    return _figure("".join(parts), title, table)


def lines(title: str, desc: str, points: list[str], series: list[tuple[str, list]], *, low: float = 1,
          high: float = 5) -> Markup:
    """Lines over time (e.g. monthly averages per subject); gaps where a month has no marks."""
    width, height, left, top, bottom = 640, 240 + 18 * ((len(series) + 2) // 3), 40, 20, 40 + 18 * ((len(series) + 2) // 3)
    plot_w, plot_h = width - left - 20, height - top - bottom
    svg, p = _open(width, height, title, desc)
    parts = [svg]

    def xy(i, v):
        x = left + (plot_w * i / max(1, len(points) - 1) if len(points) > 1 else plot_w / 2)
        y = top + plot_h - plot_h * (float(v) - low) / (high - low)
        return x, y
    for k in range(int(low), int(high) + 1):
        _x, y = xy(0, k)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#bbb" stroke-width=".5"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{k}</text>')
    for i, label in enumerate(points):
        x, _y = xy(i, low)
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    for j, (_name, vals) in enumerate(series):
        colour = SERIES[j % len(SERIES)][0]
        segs, cur = [], []
        for i, v in enumerate(vals):
            if v is None:
                if cur:
                    segs.append(cur)
                cur = []
            else:
                cur.append(xy(i, v))
        if cur:
            segs.append(cur)
        for seg in segs:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5" '
                         f'stroke-dasharray="{DASHES[j % len(DASHES)]}"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in seg)
    for row in range((len(series) + 2) // 3):
        chunk = series[row * 3:row * 3 + 3]
        parts.append(_legend([s for s, _ in chunk], left, height - bottom + 36 + row * 18, p, lines=True,
                             start=row * 3))
    parts.append("</svg>")
    table = _table(title, [""] + points, [[name] + [_fmt(v) for v in vals] for name, vals in series])
    return _figure("".join(parts), title, table)

