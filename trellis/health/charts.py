"""The maturity radar: one polygon per year over the eight pillars (levels 1 to 4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from trellis.health.models import Pillar
from trellis.lib.charts import PALETTE, Spec, radar_points

MAX_LEVEL = 4


def _closed(points: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    """The polygon's vertices with the first repeated at the end, so the line closes."""
    rows = [{**p, **extra} for p in points]
    if rows:
        rows.append({**rows[0], "order": len(rows)})
    return rows


def radar_chart(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    description: str,
    legend_title: str,
    axis_title: str,
    value_title: str,
    size: int = 360,
) -> Spec:
    """A Vega-Lite radar: rings for each level, a spoke per axis, one closed line per series.

    Drawn with x/y marks over radar_points (the vertices computed in Python), because
    Vega-Lite has no polar line mark.
    """
    n = len(axes)
    rings = [
        row
        for level in range(1, MAX_LEVEL + 1)
        for row in _closed(radar_points(axes, [level] * n, MAX_LEVEL), ring=level)
    ]
    outer = radar_points(axes, [MAX_LEVEL] * n, MAX_LEVEL)
    spokes = [{"x": 0, "y": 0, "x2": p["x"], "y2": p["y"]} for p in outer]
    labels = [{"axis": p["axis"], "x": p["x"] * 1.18, "y": p["y"] * 1.12} for p in outer]
    lines = [
        row
        for name, values in series
        for row in _closed(radar_points(axes, list(values), MAX_LEVEL), series=name)
    ]
    domain = [-1.45, 1.45]
    x = {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": domain}}
    # Vertices start at the top (y = -1): reverse the axis so the first pillar is up.
    y = {
        "field": "y",
        "type": "quantitative",
        "axis": None,
        "scale": {"domain": domain, "reverse": True},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "description": description,
        "width": size,
        "height": size,
        "layer": [
            {
                "data": {"values": rings},
                "mark": {"type": "line", "color": "#c8c8c8", "strokeWidth": 1},
                "encoding": {
                    "x": x,
                    "y": y,
                    "detail": {"field": "ring", "type": "nominal"},
                    "order": {"field": "order", "type": "quantitative"},
                },
            },
            {
                "data": {"values": spokes},
                "mark": {"type": "rule", "color": "#c8c8c8"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                },
            },
            {
                "data": {"values": labels},
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {"x": x, "y": y, "text": {"field": "axis", "type": "nominal"}},
            },
            {
                "data": {"values": lines},
                "mark": {"type": "line", "point": True, "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": y,
                    "order": {"field": "order", "type": "quantitative"},
                    "color": {
                        "field": "series",
                        "type": "nominal",
                        "title": legend_title,
                        "scale": {"range": PALETTE},
                        "sort": [name for name, _values in series],
                    },
                    "tooltip": [
                        {"field": "series", "type": "nominal", "title": legend_title},
                        {"field": "axis", "type": "nominal", "title": axis_title},
                        {"field": "value", "type": "quantitative", "title": value_title},
                    ],
                },
            },
        ],
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }


def maturity_radar(years: list[int], levels_by_year: dict[int, dict[str, int]]) -> dict[str, Any]:
    """The maturity radar of `years` and its table (the page's and the annual report's).

    Years without an assessment are left out. Returns {"spec", "id", "table"} for the
    `chart` template tag; `to_svg(result["spec"])` draws it for a PDF.
    """
    axes = [str(label) for _key, label in Pillar.choices]
    series = [
        (str(year), [levels_by_year[year].get(key, 0) for key in Pillar.values])
        for year in years
        if levels_by_year.get(year)
    ]
    years_text = ", ".join(name for name, _v in series)
    spec = radar_chart(
        axes,
        series,
        title=_("Programme maturity by pillar, %(years)s") % {"years": years_text},
        description=_(
            "Radar chart of the level (1 to 4) of each of the eight pillars for %(years)s; "
            "the table below gives the same levels."
        )
        % {"years": years_text},
        legend_title=_("Year"),
        axis_title=_("Pillar"),
        value_title=_("Level"),
    )
    table = {
        "headers": [_("Pillar"), *[name for name, _v in series]],
        "rows": [
            [axis, *[values[i] or "—" for _name, values in series]] for i, axis in enumerate(axes)
        ],
    }
    return {"spec": spec, "id": "maturity-radar", "table": table}
