"""Turning a Report into HTML (Jinja2) or PDF (WeasyPrint), with an SVG chart."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from sordino.reports.service import SEVERITIES, Report

COLORS = {
    "critical": "#8e1b1b",
    "high": "#d9480f",
    "medium": "#e8a317",
    "low": "#4c6ef5",
}
_LABEL_WIDTH = 250
_BAR_WIDTH = 330
_ROW = 24


@cache
def environment() -> Environment:
    """The template environment (templates ship inside the package)."""
    return Environment(
        loader=PackageLoader("sordino.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def chart(report: Report) -> Markup:
    """A horizontal stacked bar per group, one colour per severity."""
    groups = report.groups
    peak = max((len(g.rows) for g in groups), default=0) or 1
    height = _ROW * len(groups) + 40
    width = _LABEL_WIDTH + _BAR_WIDTH + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="findings per group">'
    ]
    for i, group in enumerate(groups):
        y = i * _ROW + 4
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end"'
            f' font-size="11">{escape(_shorten(group.title))}</text>'
        )
        x = float(_LABEL_WIDTH)
        for severity, count in group.by_severity().items():
            if count:
                w = _BAR_WIDTH * count / peak
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18"'
                    f' fill="{COLORS.get(severity, "#868e96")}">'
                    f"<title>{severity}: {count}</title></rect>"
                )
                x += w
        total = len(group.rows)
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="11">{total}</text>'
        )
    legend_y = len(groups) * _ROW + 22
    for i, severity in enumerate(SEVERITIES):
        x = _LABEL_WIDTH + i * 85
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12"'
            f' fill="{COLORS[severity]}"/>'
            f'<text x="{x + 16}" y="{legend_y}" font-size="11">{severity}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every label above is escaped


def html(report: Report) -> str:
    """The report as a standalone HTML page."""
    template = environment().get_template("report.html.j2")
    return template.render(report=report, chart=chart(report), colors=COLORS)


def pdf(report: Report) -> bytes:
    """The report as a PDF document."""
    from weasyprint import HTML

    document: bytes = HTML(string=html(report)).write_pdf()
    return document
