"""What the dashboard and the scorecard show: figure tiles, charts and their tables.

Pure functions over the KPI results read by `trellis.reports.selectors` (no queries). Each
chart answers one question stated in its title and comes with a table of its numbers
(guide/ui.md, "Figures and charts"); figures are formatted for the active language here,
so tables and tiles read `1 234` in French and `1,234` in English.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from trellis.communities.models import Stage
from trellis.kpis.selectors import KpiResult
from trellis.lib import charts
from trellis.reports.selectors import RANK_SIZE, DashboardData, ScorecardData

DASH = "—"
MINUS = "\u2212"


# --- Formatting --------------------------------------------------------------------------------


def count(value: int | None) -> str:
    return DASH if value is None else str(intcomma(value))


def percent(rate: float | None) -> str:
    if rate is None:
        return DASH
    return _("%(value)s%%") % {"value": number_format(round(rate * 100), 0)}


def yes_no(value: bool | None) -> str:
    if value is None:
        return DASH
    return _("Yes") if value else _("No")


def month_label(month: dt.date) -> str:
    return date_format(month, "M")


def _signed(change: int) -> str:
    if change > 0:
        return "+" + count(change)
    return MINUS + count(-change) if change < 0 else "0"


def _pct(rate: float | None) -> float | None:
    """A rate as a percentage for charts (one decimal)."""
    return None if rate is None else round(rate * 100, 1)


# --- Tiles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    detail: str = ""
    change: str = ""
    # "up", "down" or "same": the direction of the change (for its arrow), "" when unknown.
    trend: str = ""


def count_change(current: int | None, previous: int | None, year: int) -> tuple[str, str]:
    if current is None or previous is None:
        return _("No figure for %(year)s") % {"year": year}, ""
    change = current - previous
    if change == 0:
        return _("Same as in %(year)s") % {"year": year}, "same"
    text = _("%(change)s compared with %(year)s") % {"change": _signed(change), "year": year}
    return text, "up" if change > 0 else "down"


def rate_change(current: float | None, previous: float | None, year: int) -> tuple[str, str]:
    if current is None or previous is None:
        return _("No figure for %(year)s") % {"year": year}, ""
    points = round((current - previous) * 100)
    if points == 0:
        return _("Same as in %(year)s") % {"year": year}, "same"
    text = ngettext(
        "%(change)s point compared with %(year)s",
        "%(change)s points compared with %(year)s",
        abs(points),
    ) % {"change": _signed(points), "year": year}
    return text, "up" if points > 0 else "down"


def flag_change(previous: bool | None, year: int) -> tuple[str, str]:
    if previous is None:
        return _("No figure for %(year)s") % {"year": year}, ""
    if previous:
        return _("Also in %(year)s") % {"year": year}, ""
    return _("Not in %(year)s") % {"year": year}, ""


def _count_tile(
    key: str,
    label: str,
    cur: dict[str, Any],
    prev: dict[str, Any] | None,
    year: int,
    detail: str = "",
) -> Tile:
    change, trend = count_change(cur.get(key), (prev or {}).get(key), year)
    return Tile(key, label, count(cur.get(key)), detail, change, trend)


def _rate_tile(
    key: str,
    label: str,
    cur: dict[str, Any],
    prev: dict[str, Any] | None,
    year: int,
    detail: str = "",
) -> Tile:
    change, trend = rate_change(cur.get(key), (prev or {}).get(key), year)
    return Tile(key, label, percent(cur.get(key)), detail, change, trend)


def _of(part: int | None, whole: int | None, noun: str) -> str:
    if part is None or whole is None:
        return ""
    if noun == "communities":
        text = ngettext(
            "%(part)s of %(whole)s community", "%(part)s of %(whole)s communities", whole
        )
    else:
        text = ngettext(
            "%(part)s of %(whole)s objective", "%(part)s of %(whole)s objectives", whole
        )
    return text % {"part": count(part), "whole": count(whole)}


def programme_tiles(data: DashboardData) -> list[Tile]:
    cur, prev = data.current.programme, data.previous.programme
    year = data.previous.year
    by_stage = cur.get("communities_by_stage") or {}
    n = cur.get("communities")
    return [
        _count_tile(
            "communities",
            _("communities"),
            cur,
            prev,
            year,
            _("%(active)s active, %(dormant)s dormant")
            % {
                "active": count(by_stage.get(Stage.ACTIVE, 0)),
                "dormant": count(by_stage.get(Stage.DORMANT, 0)),
            },
        ),
        _count_tile(
            "members_unique",
            _("members (unique people)"),
            cur,
            prev,
            year,
            _("%(n)s memberships summed over communities") % {"n": count(cur.get("members_sum"))},
        ),
        _count_tile(
            "active_contributors_unique",
            _("active contributors (unique people)"),
            cur,
            prev,
            year,
            _("Active rate: %(rate)s") % {"rate": percent(cur.get("active_rate"))},
        ),
        _count_tile(
            "messages",
            _("ESN messages"),
            cur,
            prev,
            year,
            _("%(posts)s posts and %(replies)s replies")
            % {"posts": count(cur.get("posts")), "replies": count(cur.get("replies"))},
        ),
        _count_tile(
            "webinars",
            _("webinars held"),
            cur,
            prev,
            year,
            ngettext("%(n)s event of any type", "%(n)s events of any type", cur.get("events") or 0)
            % {"n": count(cur.get("events"))},
        ),
        _count_tile("attendance", _("attendees at events"), cur, prev, year),
        _rate_tile(
            "charter_updated_rate",
            _("communities with an updated charter"),
            cur,
            prev,
            year,
            _of(cur.get("charter_updated"), n, "communities"),
        ),
        _rate_tile(
            "objectives_met_rate",
            _("objectives met"),
            cur,
            prev,
            year,
            _of(cur.get("objectives_met"), cur.get("objectives"), "objectives"),
        ),
        _rate_tile(
            "has_leader_rate",
            _("communities with a leader"),
            cur,
            prev,
            year,
            _of(cur.get("has_leader"), n, "communities"),
        ),
        _rate_tile(
            "has_sponsor_rate",
            _("communities with a sponsor"),
            cur,
            prev,
            year,
            _of(cur.get("has_sponsor"), n, "communities"),
        ),
    ]


def _flag_tile(
    key: str, label: str, cur: dict[str, Any], prev: dict[str, Any] | None, year: int
) -> Tile:
    change, trend = flag_change(None if prev is None else bool(prev.get(key)), year)
    return Tile(key, label, yes_no(cur.get(key)), "", change, trend)


def scorecard_tiles(data: ScorecardData) -> list[Tile]:
    cur, prev = data.current, data.previous
    if cur is None:
        return []
    year = data.year - 1
    return [
        _count_tile(
            "members",
            _("members"),
            cur,
            prev,
            year,
            ngettext("%(n)s joined this year", "%(n)s joined this year", cur["new_members"])
            % {"n": count(cur["new_members"])},
        ),
        _count_tile(
            "active_contributors",
            _("active contributors"),
            cur,
            prev,
            year,
            _("Active rate: %(rate)s") % {"rate": percent(cur["active_rate"])},
        ),
        _count_tile(
            "messages",
            _("ESN messages"),
            cur,
            prev,
            year,
            _("%(posts)s posts and %(replies)s replies")
            % {"posts": count(cur["posts"]), "replies": count(cur["replies"])},
        ),
        _count_tile(
            "webinars",
            _("webinars held"),
            cur,
            prev,
            year,
            ngettext("%(n)s event of any type", "%(n)s events of any type", cur["events"])
            % {"n": count(cur["events"])},
        ),
        _count_tile("attendance", _("attendees at events"), cur, prev, year),
        _rate_tile(
            "objectives_met_rate",
            _("objectives met"),
            cur,
            prev,
            year,
            _of(cur["objectives_met"], cur["objectives"], "objectives"),
        ),
        _flag_tile(
            "charter_updated", _("charter updated with the year's objectives"), cur, prev, year
        ),
        _flag_tile("has_leader", _("a leader in place"), cur, prev, year),
        _flag_tile("has_sponsor", _("a sponsor in place"), cur, prev, year),
    ]


# --- Charts ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _spec_without_data(kind: str, params: tuple[tuple[str, Any], ...]) -> str:
    """A chart's spec with empty data, as JSON.

    Altair validates each spec against the Vega-Lite schema, which costs tens of
    milliseconds per chart; a page draws up to nine. The specs differ from one request to
    the next by their data only (titles carry the year and the language), so each is
    built once per process and its data put in.
    """
    kwargs: dict[str, Any] = {
        name: list(value) if isinstance(value, tuple) else value for name, value in params
    }
    builder = charts.line_chart if kind == "line" else charts.bar_chart
    return json.dumps(builder([], **kwargs))


def _with_data(kind: str, data: Sequence[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    spec: dict[str, Any] = json.loads(_spec_without_data(kind, key))
    spec["data"] = {"values": list(data)}
    return spec


def _line_chart(data: Sequence[dict[str, Any]], **params: Any) -> dict[str, Any]:
    return _with_data("line", data, params)


def _bar_chart(data: Sequence[dict[str, Any]], **params: Any) -> dict[str, Any]:
    return _with_data("bar", data, params)


@dataclass
class ChartBlock:
    id: str
    spec: dict[str, Any]
    table: dict[str, Any]
    caption: str = ""

    def __post_init__(self) -> None:
        # Titles start at the chart's left edge and may run over the legend's column:
        # centred over the plot, a long title would be cut off on the left.
        config = self.spec.setdefault("config", {})
        config["title"] = {"anchor": "start", "frame": "bounds"}
        # Single-series marks take the palette's first colour too (vega's own blue otherwise).
        config["mark"] = {"color": charts.PALETTE[0]}


@dataclass
class Ranking:
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def _whole(spec: dict[str, Any], axis: str = "y") -> dict[str, Any]:
    """Counts: no 0.5 webinar on the value axis."""
    spec["encoding"][axis]["axis"] = {"format": "d", "tickMinStep": 1}
    return spec


def _in_order(spec: dict[str, Any], axis: str = "x") -> dict[str, Any]:
    """Keep the data's order on an axis (months, years), not the alphabet's."""
    spec["encoding"][axis]["sort"] = None
    return spec


def _monthly_chart(
    chart_id: str,
    year: int,
    current: Sequence[dict[str, Any]],
    previous: Sequence[dict[str, Any]],
) -> ChartBlock:
    data = [
        {"month": month_label(row["month"]), "messages": row["messages"], "year": str(y)}
        for y, series in ((year - 1, previous), (year, current))
        for row in series
    ]
    spec = _line_chart(
        data,
        x="month",
        y="messages",
        series="year",
        title=_("Messages per month, %(year)s vs %(previous)s")
        % {"year": year, "previous": year - 1},
        x_title=_("Month"),
        y_title=_("Messages"),
        series_title=_("Year"),
    )
    rows = [
        [month_label(c["month"]), count(c["messages"]), count(p["messages"])]
        for c, p in zip(current, previous, strict=True)
    ]
    rows.append(
        [
            _("Year"),
            count(sum(c["messages"] for c in current)),
            count(sum(p["messages"] for p in previous)),
        ]
    )
    table = {"headers": [_("Month"), str(year), str(year - 1)], "rows": rows}
    return ChartBlock(chart_id, _whole(_in_order(spec)), table)


def _events_charts(prefix: str, year: int, months: Sequence[dict[str, Any]]) -> list[ChartBlock]:
    labels = [month_label(m["month"]) for m in months]

    def per_month(key: str, title: str, value_title: str) -> dict[str, Any]:
        return _bar_chart(
            [{"month": label, key: m[key]} for label, m in zip(labels, months, strict=True)],
            category="month",
            value=key,
            title=title,
            category_title=_("Month"),
            value_title=value_title,
            horizontal=False,
            sort=labels,
        )

    webinars = per_month(
        "webinars", _("Webinars held per month, %(year)s") % {"year": year}, _("Webinars")
    )
    attendance = per_month(
        "attendance",
        _("Attendance at events per month, %(year)s") % {"year": year},
        _("Attendees"),
    )
    total = [_("Year")]
    table = {
        "headers": [_("Month"), _("Webinars"), _("Events of any type"), _("Attendees")],
        "rows": [
            [label, count(m["webinars"]), count(m["events"]), count(m["attendance"])]
            for label, m in zip(labels, months, strict=True)
        ]
        + [
            total + [count(sum(m[k] for m in months)) for k in ("webinars", "events", "attendance")]
        ],
    }
    return [
        ChartBlock(f"{prefix}-webinars", _whole(webinars), table),
        ChartBlock(f"{prefix}-attendance", _whole(attendance), table),
    ]


def _stage_chart(result: KpiResult) -> ChartBlock:
    by_stage = result.programme.get("communities_by_stage") or {}
    shown = [s for s in Stage if by_stage.get(s.value) or s in (Stage.ACTIVE, Stage.DORMANT)]
    data = [{"stage": str(s.label), "communities": by_stage.get(s.value, 0)} for s in shown]
    spec = _bar_chart(
        data,
        category="stage",
        value="communities",
        title=_("Communities by stage at the end of %(year)s") % {"year": result.year},
        category_title=_("Stage"),
        value_title=_("Communities"),
        sort=[str(s.label) for s in shown],
        height=max(120, 40 * len(shown)),
    )
    table = {
        "headers": [_("Stage"), _("Communities")],
        "rows": [[row["stage"], count(row["communities"])] for row in data],
    }
    return ChartBlock("stages", _whole(spec, "x"), table)


def _members_chart(trend: Sequence[KpiResult]) -> ChartBlock:
    first, last = trend[0].year, trend[-1].year
    summed, unique = _("Memberships (sum)"), _("Unique people")
    data = [
        point
        for r in trend
        for point in (
            {"year": str(r.year), "members": r.programme.get("members_sum"), "measure": summed},
            {"year": str(r.year), "members": r.programme.get("members_unique"), "measure": unique},
        )
        if point["members"] is not None
    ]
    spec = _line_chart(
        data,
        x="year",
        y="members",
        series="measure",
        title=_("Members: memberships summed vs unique people, %(first)s–%(last)s")
        % {"first": first, "last": last},
        x_title=_("Year"),
        y_title=_("Members"),
        series_title=_("Count"),
    )
    table = {
        "headers": [_("Year"), summed, unique],
        "rows": [
            [
                str(r.year),
                count(r.programme.get("members_sum")),
                count(r.programme.get("members_unique")),
            ]
            for r in trend
        ],
    }
    return ChartBlock("members", _whole(_in_order(spec)), table)


def _contributors_chart(trend: Sequence[KpiResult]) -> ChartBlock:
    data = [
        {"year": str(r.year), "contributors": r.programme.get("active_contributors_unique")}
        for r in trend
        if r.programme.get("active_contributors_unique") is not None
    ]
    spec = _bar_chart(
        data,
        category="year",
        value="contributors",
        title=_("Active contributors per year, %(first)s–%(last)s")
        % {"first": trend[0].year, "last": trend[-1].year},
        category_title=_("Year"),
        value_title=_("Active contributors (unique people)"),
        horizontal=False,
        sort=None,
    )
    table = {
        "headers": [_("Year"), _("Active contributors"), _("Active rate")],
        "rows": [
            [
                str(r.year),
                count(r.programme.get("active_contributors_unique")),
                percent(r.programme.get("active_rate")),
            ]
            for r in trend
        ],
    }
    return ChartBlock("contributors", _whole(spec), table)


def _labels(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Community names for chart axes; two communities with one name get their slug too."""
    names = Counter(row["name"] for row in rows)
    return {
        row["slug"]: row["name"] if names[row["name"]] == 1 else f"{row['name']} ({row['slug']})"
        for row in rows
    }


def rankings(result: KpiResult, rank_by: str) -> tuple[list[Ranking], list[ChartBlock], str]:
    """The top and bottom communities by active rate or messages, as tables and charts.

    With no more communities than RANK_SIZE there is one list of them all. Communities
    without members have no active rate: they are left out of that ranking (and said so).
    """
    rows = result.communities
    note = ""
    if rank_by == "active_rate":
        candidates = [r for r in rows if r["active_rate"] is not None]
        left_out = len(rows) - len(candidates)
        if left_out:
            note = ngettext(
                "%(n)s community without members has no active rate and is not ranked.",
                "%(n)s communities without members have no active rate and are not ranked.",
                left_out,
            ) % {"n": count(left_out)}
        value_title = _("Active rate (%)")
    else:
        candidates = list(rows)
        value_title = _("Messages")
    ordered = sorted(candidates, key=lambda r: (-r[rank_by], -r["messages"], r["name"]))
    labels = _labels(rows)
    year = result.year
    lists: list[tuple[str, str, list[dict[str, Any]], str]] = []
    if len(ordered) <= RANK_SIZE:
        title = (
            _("Communities by active rate, %(year)s")
            if rank_by == "active_rate"
            else _("Communities by messages, %(year)s")
        ) % {"year": year}
        lists.append(("rank-all", title, ordered, "-x"))
    else:
        if rank_by == "active_rate":
            top = _("The %(n)s communities with the highest active rate, %(year)s")
            bottom = _("The %(n)s communities with the lowest active rate, %(year)s")
        else:
            top = _("The %(n)s communities with the most messages, %(year)s")
            bottom = _("The %(n)s communities with the fewest messages, %(year)s")
        lists.append(("rank-top", top % {"n": RANK_SIZE, "year": year}, ordered[:RANK_SIZE], "-x"))
        lowest = list(reversed(ordered[-RANK_SIZE:]))
        lists.append(("rank-bottom", bottom % {"n": RANK_SIZE, "year": year}, lowest, "x"))
    tables, blocks = [], []
    for chart_id, title, chosen, sort in lists:
        value = (
            (lambda r: _pct(r["active_rate"]))
            if rank_by == "active_rate"
            else (lambda r: r["messages"])
        )
        spec = _bar_chart(
            [{"community": labels[r["slug"]], "value": value(r)} for r in chosen],
            category="community",
            value="value",
            title=title,
            category_title=_("Community"),
            value_title=value_title,
            sort=sort,
            height=max(120, 26 * len(chosen)),
        )
        table = {
            "headers": [_("Community"), value_title],
            "rows": [
                [
                    labels[r["slug"]],
                    percent(r["active_rate"]) if rank_by == "active_rate" else count(r["messages"]),
                ]
                for r in chosen
            ],
        }
        if rank_by == "messages":
            spec = _whole(spec, "x")
        blocks.append(ChartBlock(chart_id, spec, table, note))
        tables.append(
            Ranking(
                title,
                [
                    {
                        "rank": (i + 1) if sort == "-x" else len(ordered) - i,
                        "slug": r["slug"],
                        "name": r["name"],
                        "members": count(r["members"]),
                        "active_contributors": count(r["active_contributors"]),
                        "active_rate": percent(r["active_rate"]),
                        "messages": count(r["messages"]),
                    }
                    for i, r in enumerate(chosen)
                ],
            )
        )
    return tables, blocks, note


def programme_charts(data: DashboardData) -> list[ChartBlock]:
    year = data.filters.year
    return [
        _stage_chart(data.current),
        _monthly_chart("messages", year, data.monthly, data.monthly_previous),
        _members_chart(data.trend),
        *_events_charts("events", year, data.events_monthly),
        _contributors_chart(data.trend),
    ]


# The figures of the year-over-year table: (key, label, kind).
def _trend_figures() -> list[tuple[str, str, str]]:
    return [
        ("communities", _("Communities"), "count"),
        ("members_unique", _("Members (unique people)"), "count"),
        ("members_sum", _("Memberships summed over communities"), "count"),
        ("active_contributors_unique", _("Active contributors (unique people)"), "count"),
        ("messages", _("ESN messages"), "count"),
        ("webinars", _("Webinars held"), "count"),
        ("attendance", _("Attendees at events"), "count"),
        ("charter_updated_rate", _("Communities with an updated charter"), "rate"),
        ("objectives_met_rate", _("Objectives met"), "rate"),
        ("has_leader_rate", _("Communities with a leader"), "rate"),
        ("has_sponsor_rate", _("Communities with a sponsor"), "rate"),
    ]


def trend_table(
    trend: Sequence[tuple[int, dict[str, Any] | None]], figures: list[tuple[str, str, str]]
) -> dict[str, Any]:
    """Figures (rows) by year (columns), then the change on the year before."""
    years = [year for year, _row in trend]
    rows = []
    for key, label, kind in figures:
        values = [(row or {}).get(key) if row is not None else None for _y, row in trend]
        fmt = {"count": count, "rate": percent, "flag": yes_no}[kind]
        if kind == "count":
            change, _t = (
                count_change(values[-1], values[-2], years[-2]) if len(values) > 1 else ("", "")
            )
        elif kind == "rate":
            change, _t = (
                rate_change(values[-1], values[-2], years[-2]) if len(values) > 1 else ("", "")
            )
        else:
            change = ""
        rows.append([label, *[fmt(v) for v in values], change])
    return {
        "headers": [_("Figure"), *[str(y) for y in years], pgettext("year over year", "Change")],
        "rows": rows,
    }


def programme_trend_table(data: DashboardData) -> dict[str, Any]:
    return trend_table([(r.year, r.programme) for r in data.trend], _trend_figures())


# --- Scorecard ---------------------------------------------------------------------------------


def _scorecard_figures() -> list[tuple[str, str, str]]:
    return [
        ("members", _("Members"), "count"),
        ("new_members", _("New members"), "count"),
        ("active_contributors", _("Active contributors"), "count"),
        ("active_rate", _("Active rate"), "rate"),
        ("posts", _("Posts"), "count"),
        ("replies", _("Replies"), "count"),
        ("messages", _("ESN messages"), "count"),
        ("reactions", _("Reactions"), "count"),
        ("events", _("Events of any type"), "count"),
        ("webinars", _("Webinars held"), "count"),
        ("attendance", _("Attendees at events"), "count"),
        ("charter_updated", _("Charter updated with the year's objectives"), "flag"),
        ("objectives", _("Objectives"), "count"),
        ("objectives_met", _("Objectives met"), "count"),
        ("has_leader", _("A leader in place"), "flag"),
        ("has_sponsor", _("A sponsor in place"), "flag"),
    ]


def scorecard_trend_table(data: ScorecardData) -> dict[str, Any]:
    return trend_table(data.trend, _scorecard_figures())


def _people_chart(data: ScorecardData) -> ChartBlock:
    members, contributors = _("Members"), _("Active contributors")
    points = [
        point
        for year, row in data.trend
        if row is not None
        for point in (
            {"year": str(year), "people": row["members"], "measure": members},
            {"year": str(year), "people": row["active_contributors"], "measure": contributors},
        )
    ]
    first, last = data.trend[0][0], data.trend[-1][0]
    spec = _line_chart(
        points,
        x="year",
        y="people",
        series="measure",
        title=_("Members and active contributors, %(first)s–%(last)s")
        % {"first": first, "last": last},
        x_title=_("Year"),
        y_title=_("People"),
        series_title=_("Count"),
    )
    table = {
        "headers": [_("Year"), members, contributors, _("Active rate")],
        "rows": [
            [
                str(year),
                count(row["members"]),
                count(row["active_contributors"]),
                percent(row["active_rate"]),
            ]
            if row is not None
            else [str(year), DASH, DASH, DASH]
            for year, row in data.trend
        ],
    }
    return ChartBlock("people", _whole(_in_order(spec)), table)


def scorecard_charts(data: ScorecardData) -> list[ChartBlock]:
    if data.current is None:
        return []
    return [
        _monthly_chart("messages", data.year, data.monthly, data.monthly_previous),
        _people_chart(data),
        *_events_charts("events", data.year, data.events_monthly),
    ]
