"""Chart specs: one question per chart, labelled axes, safe palette, same spec for SVG."""

from __future__ import annotations

from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory

from trellis.lib import charts


def monthly(values: dict[str, list[int]]) -> list[dict[str, object]]:
    return [
        {"month": m + 1, "messages": v, "year": year}
        for year, series in values.items()
        for m, v in enumerate(series)
    ]


def test_it_builds_a_titled_line_chart_with_labelled_axes() -> None:
    data = monthly({"2025": [1, 2, 3], "2026": [4, 5, 6]})
    spec = charts.line_chart(
        data,
        x="month",
        y="messages",
        series="year",
        title="Messages per month, 2026 vs 2025",
        x_title="Month",
        y_title="Messages",
    )
    assert spec["title"] == "Messages per month, 2026 vs 2025"
    assert spec["encoding"]["x"]["title"] == "Month"
    assert spec["encoding"]["y"]["title"] == "Messages"
    assert spec["config"]["range"]["category"] == charts.PALETTE
    assert spec["data"]["values"] == data


def test_it_draws_the_same_spec_as_svg_with_its_title_and_values() -> None:
    spec = charts.bar_chart(
        [{"community": "Welding", "members": 12}, {"community": "Cloud", "members": 30}],
        category="community",
        value="members",
        title="Members per community",
        category_title="Community",
        value_title="Members",
    )
    svg = charts.to_svg(spec)
    assert svg.startswith("<svg")
    for text in ("Members per community", "Welding", "Cloud"):
        assert text in svg


def test_it_places_radar_points_on_the_unit_circle() -> None:
    points = charts.radar_points(["a", "b", "c", "d"], [4, 4, 2, 0], maximum=4)
    assert [round(p["x"], 6) for p in points] == [0.0, 1.0, 0.0, 0.0]
    assert [round(p["y"], 6) for p in points] == [-1.0, 0.0, 0.5, 0.0]


def test_it_embeds_a_chart_with_a_text_alternative_and_allows_vega_only_there() -> None:
    request = RequestFactory().get("/")
    spec = charts.bar_chart(
        [{"c": "A", "v": 1}],
        category="c",
        value="v",
        title="Members per community",
        category_title="Community",
        value_title="Members",
    )
    html = Template("{% load trellis_charts %}{% chart spec 'members' table=table %}").render(
        Context(
            {
                "spec": spec,
                "request": request,
                "table": {"headers": ["Community", "Members"], "rows": [["A", 1]]},
            }
        )
    )
    assert 'role="img" aria-label="Members per community"' in html
    assert 'id="members-spec" type="application/json"' in html
    assert "<td>A</td>" in html
    assert request.trellis_charts is True  # type: ignore[attr-defined]


def test_it_ships_the_bundle_that_vl_convert_produces() -> None:
    # Fails when vl-convert is upgraded without regenerating static/vendor/vega-bundle.js.
    call_command("vega-bundle", "--check")
