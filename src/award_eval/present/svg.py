"""The profile's two figures as SVG, written by our own small, deterministic code (no matplotlib).

Why: a profile notebook spent ~80 % of its time rendering two matplotlib PNGs at 2×; these
functions write the same figures (same data, labels, colours, alt text) as text in ~1–5 ms.
Everything from data is escaped (:func:`html.escape`); numbers use the catalogue's formats
(decimal comma, real minus); coordinates are rounded to 0.1, so the same inputs give the same bytes.
The SVG has no script and no external reference, so a report's CSP holds when it is an ``<img>``.
"""
from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from award_eval.criteria import Framework
from award_eval.i18n import Lang, fmt_number, skr_group_name, t

# the house style of award_eval.present.plots (kept in step by tests/test_svg.py)
ACCENT = "#2b6f9e"
ACCENT_LIGHT = "#5aa0cf"
PEER = "#d55e00"
MUTED = "#9aa5b1"
INK = "#1f2933"
RULE = "#d5dde5"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 800  # viewBox width; the <img> scales it (max-width: 100%), a phone scrolls it sideways
TEXT, SMALL = 14, 13  # font sizes: ~11 px at the 40rem a phone keeps a figure at, ~16 px at a desk


def esc(text: object) -> str:
    """``text`` safe inside an SVG element or attribute."""
    return html.escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: one decimal, no ``-0``, no trailing ``.0`` (deterministic, short)."""
    x = round(float(value), 1)
    if x == 0:
        x = 0.0
    return f"{x:.1f}".removesuffix(".0")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A rough width of ``text`` in a sans-serif font (for layout only; generous, never measured)."""
    return len(str(text)) * size * (0.6 if bold else 0.56)


class Svg:
    """An SVG document being written: elements appended as strings, :meth:`render` joins them."""

    def __init__(self, width: float, height: float, label: str = ""):
        self.width, self.height, self.label = width, height, label
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(self, x: float, y: float, text: object, size: float = 13, anchor: str = "start",
             fill: str = INK, bold: bool = False, baseline: str = "central") -> None:
        """One line of text; ``anchor`` start/middle/end, vertically centred on ``y`` by default."""
        weight = ' font-weight="bold"' if bold else ""
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" '
                 f'dominant-baseline="{baseline}" fill="{fill}"{weight}>{esc(text)}</text>')

    def lines(self, x: float, y: float, lines: Sequence[str], size: float = 13, anchor: str = "end",
              fill: str = INK, leading: float = 1.2) -> None:
        """Several lines of text centred as a block on ``y``."""
        top = y - (len(lines) - 1) * size * leading / 2
        for k, line in enumerate(lines):
            self.text(x, top + k * size * leading, line, size, anchor, fill)

    def circle(self, x: float, y: float, r: float, fill: str, opacity: float | None = None,
               stroke: str | None = None, stroke_width: float = 0) -> None:
        extra = f' fill-opacity="{opacity}"' if opacity is not None else ""
        if stroke:
            extra += f' stroke="{stroke}" stroke-width="{_n(stroke_width)}"'
        self.add(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"{extra}/>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str, opacity: float | None = None,
             rx: float = 0) -> None:
        extra = f' fill-opacity="{opacity}"' if opacity is not None else ""
        if rx:
            extra += f' rx="{_n(rx)}"'
        self.add(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" '
                 f'fill="{fill}"{extra}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1) -> None:
        self.add(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
                 f'stroke-width="{_n(width)}"/>')

    def marker(self, x: float, y: float, shape: str, size: float, fill: str, stroke: str = "#ffffff") -> None:
        """A diamond (``"D"``) or square (``"s"``) centred on ``x, y``, ``size`` across."""
        h = size / 2
        if shape == "D":
            points = [(x, y - h), (x + h, y), (x, y + h), (x - h, y)]
        else:
            points = [(x - h * 0.85, y - h * 0.85), (x + h * 0.85, y - h * 0.85), (x + h * 0.85, y + h * 0.85),
                      (x - h * 0.85, y + h * 0.85)]
        path = " ".join(f"{_n(px)},{_n(py)}" for px, py in points)
        self.add(f'<polygon points="{path}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>')

    def x_axis(self, left: float, right: float, y: float, lo: float, hi: float, ticks: Iterable[float],
               label: str, lang: Lang) -> None:
        """A bottom axis line from ``left`` to ``right`` (data ``lo``–``hi``), ticks, numbers and a label."""
        self.line(left, y, right, y, INK, 0.8)
        for v in ticks:
            x = left + (v - lo) / (hi - lo) * (right - left)
            self.line(x, y, x, y + 5, INK, 0.8)
            self.text(x, y + 17, fmt_number(v, lang, 0), SMALL, "middle")
        self.text((left + right) / 2, y + 41, label, TEXT, "middle")

    def legend(self, x: float, y: float, items: Sequence[tuple[str, str, str]], columns: int | None = None,
               size: float = SMALL) -> float:
        """Legend entries ``(kind, colour, label)`` (kind: ``dot``, ``small``, ``line``, ``patch``,
        ``D``, ``s``) in rows from ``x, y``, as many per row as fit (or ``columns``); returns the y below it."""
        step = size * 1.7
        cx, cy, col = x, y, 0
        width = max(text_width(label, size) for _, _, label in items) + 34 if columns else 0
        for kind, colour, label in items:
            item = 22 + text_width(label, size) + 18 if not columns else width
            if (columns and col == columns) or (not columns and cx > x and cx + item > self.width - 8):
                cx, cy, col = x, cy + step, 0
            if kind == "dot":
                self.circle(cx + 8, cy, 5.5, colour)
            elif kind == "small":
                self.circle(cx + 8, cy, 3, colour, 0.8)
            elif kind == "line":
                self.line(cx, cy, cx + 16, cy, colour, 2.5)
            elif kind == "patch":
                self.rect(cx, cy - 6, 16, 12, colour)
            else:
                self.marker(cx + 8, cy, kind, 10, colour)
            self.text(cx + 22, cy, label, size)
            cx += item
            col += 1
        return cy + step

    def render(self) -> str:
        """The document: ``viewBox`` the drawing's size, ``width``/``height`` its natural pixels (an
        ``<img>`` with ``max-width: 100%`` scales it down keeping the ratio)."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
                f'width="{_n(self.width)}" height="{_n(self.height)}" role="img" font-family="{esc(FONT)}">')
        title = f"<title>{esc(self.label)}</title>" if self.label else ""
        background = f'<rect width="{_n(self.width)}" height="{_n(self.height)}" fill="#ffffff"/>'
        return "\n".join([head + title, background, *self.parts, "</svg>"]) + "\n"


class SvgFigure:
    """An SVG for display: Jupyter shows the SVG, and its output carries ``alt`` in its metadata
    (``{"image/svg+xml": {"alt": …}}``), which the report writes as the ``<img alt>``."""

    def __init__(self, svg: str, alt: str):
        self.svg, self.alt = svg, alt

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_mimebundle_(self, include=None, exclude=None):
        return ({"image/svg+xml": self.svg, "text/plain": self.alt},
                {"image/svg+xml": {"alt": self.alt}} if self.alt else {})

    def __repr__(self) -> str:
        return f"SvgFigure({self.alt!r})"


def _alt(axis: str, legend: Sequence[str]) -> str:
    """The text alternative :func:`award_eval.present.plots.alt_text` writes: axis, then legend entries."""
    return f"{axis}: {', '.join(' '.join(k.split()) for k in legend if k)}" if legend else axis


def _spread(n: int, width: float = 0.32) -> np.ndarray:
    """Deterministic vertical offsets for a strip of ``n`` points (the golden-ratio sequence plots.py uses)."""
    return ((np.arange(n) * 0.6180339887) % 1.0 - 0.5) * 2 * width


def _ticks(hi: float) -> list[int]:
    return list(range(0, int(math.floor(hi / 20)) * 20 + 1, 20))


def national_position(population: pd.DataFrame, code: str, lang: Lang = "sv") -> SvgFigure:
    """Every municipality's indicator index as a strip (the country, the SKR group), ``code`` highlighted.

    The SVG twin of :func:`award_eval.present.plots.national_position` (same data, labels, colours).
    """
    pop = population.dropna(subset=["index"]).sort_values("index", kind="stable").reset_index(drop=True)
    me = population[population["code"] == code].iloc[0]
    group = pop[pop["skr_group"] == me["skr_group"]].reset_index(drop=True)
    rows = [([t("figure.national.country", lang)], pop),
            (textwrap.wrap(skr_group_name(me["skr_group"], lang), 24) or [str(me["skr_group"])], group)]
    name = str(me["name"])
    axis = t("figure.indicator_index_axis", lang)
    keys = [name, t("figure.national.median", lang), t("figure.national.one_municipality", lang)]
    left = 24 + max(text_width(line, TEXT) for label, _ in rows for line in label)
    right, band = WIDTH - 20, 72
    svg = Svg(WIDTH, 0, _alt(axis, keys))
    top = svg.legend(left, 18, [("dot", ACCENT, keys[0]), ("line", PEER, keys[1]), ("small", MUTED, keys[2])])
    top += 26  # room for the name above the top row's dot
    x = lambda v: left + float(v) / 100 * (right - left)  # noqa: E731
    known = pd.notna(me["index"])  # a municipality without an index has no dot (the rows still show)
    for k, (label, frame) in enumerate(rows):
        mid = top + band * (k + 0.5)
        svg.lines(left - 10, mid, label, TEXT)
        for v, dy in zip(frame["index"], _spread(len(frame))):
            svg.circle(x(v), mid - dy * band, 3.2, MUTED, 0.8)
        med = frame["index"].median()
        svg.line(x(med), mid - 0.42 * band, x(med), mid + 0.42 * band, PEER, 2.5)
        if known:
            svg.circle(x(me["index"]), mid, 7.5, ACCENT, stroke="#ffffff", stroke_width=1.8)
    if known:  # the name above the top row's dot, on a white box, kept inside the frame
        w = text_width(name, TEXT, bold=True) + 8
        cx = min(max(x(me["index"]), left + w / 2), right - w / 2)
        ny = top + band * 0.5 - 24
        svg.rect(cx - w / 2, ny - 10, w, 20, "#ffffff", 0.85, rx=3)
        svg.text(cx, ny, name, TEXT, "middle", ACCENT, bold=True)
    base = top + band * len(rows) + 4
    svg.x_axis(left, right, base, 0, 100, _ticks(100), axis, lang)
    svg.height = base + 56
    return SvgFigure(svg.render(), svg.label)


def profile_bars(criteria: pd.DataFrame, framework: Framework, name: str, lang: Lang = "sv") -> SvgFigure:
    """The municipality's score on each criterion (bars) against its peers' median (markers).

    The SVG twin of :func:`award_eval.present.plots.profile_bars`: indicator criteria against the
    SKR group's median (diamond), jury criteria against the nominees' median (square).
    """
    data = criteria.reset_index(drop=True)
    n = len(data)
    axis = t("figure.criterion_score_axis", lang)
    items = [("patch", ACCENT, f"{name}: {t('table.basis.indicator', lang)}")]
    if (data["kind"] == "jury").any():
        items.append(("patch", ACCENT_LIGHT, f"{name}: {t('table.basis.jury', lang)}"))
    items.append(("D", PEER, t("figure.group_median", lang)))
    if (data["reference"] == "nominees").any():
        items.append(("s", PEER, t("figure.nominee_median", lang)))
    labels = [textwrap.wrap(framework.label(c, lang), 38) or [str(c)] for c in data["criterion"]]
    size = TEXT
    left = 20 + max([text_width(line, size) for label in labels for line in label] or [0])
    left = min(left, WIDTH * 0.45)
    right, row = WIDTH - 16, 40
    svg = Svg(WIDTH, 0, _alt(axis, [label for _, _, label in items]))
    top = svg.legend(16, 18, items, columns=2) + 4
    x = lambda v: left + float(v) / 110 * (right - left)  # noqa: E731
    for i, (crit, kind) in enumerate(zip(labels, data["kind"])):
        mid = top + row * (i + 0.5)
        if i and data["pillar"].iloc[i] != data["pillar"].iloc[i - 1]:
            svg.line(left, top + row * i, right, top + row * i, RULE, 0.8)
        svg.lines(left - 8, mid, crit, size)
        score, med = (float(v) if pd.notna(v) else np.nan
                      for v in (data["score"].iloc[i], data["reference_median"].iloc[i]))
        ref = data["reference"].iloc[i]
        colour = ACCENT if kind == "indicator" else ACCENT_LIGHT
        svg.rect(left, mid - row * 0.31, x(0 if np.isnan(score) else score) - left, row * 0.62, colour)
        if np.isfinite(score):
            # the value inside the bar's end; outside when the bar is short or the median marker sits there
            covered = bool(np.isfinite(med) and score - 10 <= med <= score + 0.5)
            value = fmt_number(score, lang, 0)
            if score >= 12 and not covered:
                svg.text(x(score) - 6, mid, value, SMALL, "end", "#ffffff", bold=True)
            else:  # after the bar, and after the median marker when it sits at the bar's end
                end = max(x(score), x(med) + 7 if covered else 0)
                svg.text(end + 6, mid, value, SMALL, "start")
        if np.isfinite(med):
            svg.marker(x(med), mid, "D" if ref == "group" else "s", 12, PEER)
    base = top + row * n + 2
    svg.line(left, top, left, base, INK, 0.8)
    svg.x_axis(left, right, base, 0, 110, _ticks(100), axis, lang)
    svg.height = base + 56
    return SvgFigure(svg.render(), svg.label)
