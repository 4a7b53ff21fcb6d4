"""The annual programme report: what it holds, as HTML, PDF (WeasyPrint) and XLSX.

Reads only: the figures come from `trellis.kpis.selectors.compute_kpis` (the same numbers
as the dashboard, the CLI and the API), the charts from the dashboard's own builders in
`trellis.reports.figures` (drawn as SVG by `trellis.lib.charts.to_svg`), the survey from
`trellis.surveys` (suppressed groups arrive without figures), stories and awards from
their apps' report selectors when those apps provide them.

Memory at scale: the KPIs of the year and of the year before are computed once for all
communities (a fixed number of set-based queries); the annex is one pass over those rows.
Nothing here queries per community.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trellis.communities.models import Stage
from trellis.core.models import ProgrammeSettings
from trellis.kpis.selectors import SUPPRESSED, KpiResult, compute_kpis, monthly_activity
from trellis.lib.charts import to_svg
from trellis.reports import exports, figures, selectors

# The annex is laid out by parts of this many communities (one page each) when larger.
ANNEX_PART = 100
CHART_WIDTH = 620
# Two charts a page: the dashboard's charts are 260 px high on a screen.
CHART_HEIGHT = 190

log = logging.getLogger(__name__)
# The annex's survey figures, in display order.
SURVEY_KEYS = ("respondents", "response_rate", "engagement_score", "value_score", "nps")


@dataclass
class AnnualData:
    """Everything the report shows, read once."""

    year: int
    dashboard: selectors.DashboardData
    survey: dict[str, Any] | None = None
    stories: dict[str, Any] | None = None
    awards: list[dict[str, Any]] | None = None
    maturity: dict[str, Any] | None = None
    # Sections left out because their app provides no data yet (for the log, not the PDF).
    missing: list[str] = field(default_factory=list)

    @property
    def current(self) -> KpiResult:
        return self.dashboard.current

    @property
    def previous(self) -> KpiResult:
        return self.dashboard.previous


def annual_data(year: int) -> AnnualData:
    """Read the year: its KPIs and the years before (trends), the monthly series, the survey.

    The KPIs of each year are computed once for the programme and every community; the
    current and previous years keep every community row (the annex reads them).
    """
    years = selectors.available_years()
    trend_years = [
        y for y in range(year - selectors.TREND_YEARS + 1, year + 1) if y >= min(years, default=y)
    ]
    results: dict[int, KpiResult] = {}
    for y in sorted({*trend_years, year - 1}):
        result = compute_kpis(y)
        # The trends read programme totals only: drop the older years' community rows.
        results[y] = result if y >= year - 1 else replace(result, communities=[])
    dashboard = selectors.DashboardData(
        filters=selectors.DashboardFilters(year=year),
        current=results[year],
        previous=results[year - 1],
        trend=[results[y] for y in trend_years],
        monthly=monthly_activity(year),
        monthly_previous=monthly_activity(year - 1),
        events_monthly=selectors.events_per_month(year),
        years=years,
    )
    data = AnnualData(year=year, dashboard=dashboard)
    data.survey = _survey(year)
    data.stories = _stories(year, data)
    data.awards = _awards(year, data)
    data.maturity = _maturity(year, data)
    return data


# --- Sections from other apps ------------------------------------------------------------------


def _survey(year: int) -> dict[str, Any] | None:
    from trellis.surveys.results import results_page
    from trellis.surveys.selectors import published_campaign

    campaign = published_campaign(year)
    if campaign is None:
        return None
    page = results_page(campaign)
    return {
        "campaign": campaign,
        "k": campaign.min_respondents,
        "headers": page["headers"],
        "programme_rows": page["programme_rows"],
        "units": page["units"],
        "questions": [q for q in page["questions"] if q["mean"] is not None],
    }


def _stories(year: int, data: AnnualData) -> dict[str, Any] | None:
    try:
        from trellis.stories.selectors import report_highlights
    except ImportError:
        data.missing.append("stories")
        return None
    highlights: dict[str, Any] = report_highlights(year)
    return highlights


def _awards(year: int, data: AnnualData) -> list[dict[str, Any]] | None:
    try:
        from trellis.recognition.selectors import report_awards
    except ImportError:
        data.missing.append("awards")
        return None
    return [dict(a) for a in report_awards(year)]


def _maturity(year: int, data: AnnualData) -> dict[str, Any] | None:
    """The year's maturity diagnostic, drawn with the maturity page's own radar (the year
    and the assessment before it), and each pillar's level with what it means."""
    try:
        from trellis.health.maturity import descriptor
        from trellis.health.selectors import (
            maturity_comparison,
            maturity_for_year,
            previous_maturity_year,
        )
        from trellis.health.views import _radar
    except ImportError:
        data.missing.append("maturity")
        return None
    levels = maturity_for_year(year)
    if not levels:
        return None
    before = previous_maturity_year(year)
    years = [y for y in (before, year) if y is not None]
    chart = _radar(years, {y: maturity_for_year(y) for y in years})
    rows = [
        {
            "label": row["label"],
            "levels": row["levels"],
            "meaning": descriptor(row["pillar"], row["levels"][-1]) if row["levels"][-1] else "",
        }
        for row in maturity_comparison(years)
    ]
    return {
        "years": years,
        "svg": to_svg(chart["spec"], width=CHART_WIDTH),
        "title": chart["spec"].get("title", ""),
        "rows": rows,
    }


# --- Executive summary ------------------------------------------------------------------------


def summary_sentences(data: AnnualData) -> list[str]:
    """The executive summary: whole computed sentences (one figure story each)."""
    cur, prev = data.current.programme, data.previous.programme
    year, before = data.year, data.year - 1
    n = cur.get("communities") or 0
    sentences = [
        ngettext(
            "In %(year)s the programme counted %(n)s community (%(change)s).",
            "In %(year)s the programme counted %(n)s communities (%(change)s).",
            n,
        )
        % {
            "year": year,
            "n": figures.count(n),
            "change": figures.count_change(n, prev.get("communities"), before)[0],
        }
    ]
    members = cur.get("members_unique") or 0
    sentences.append(
        ngettext(
            "%(n)s person was a member of at least one community at the end of the year "
            "(%(change)s); memberships summed over communities: %(sum)s.",
            "%(n)s people were members of at least one community at the end of the year "
            "(%(change)s); memberships summed over communities: %(sum)s.",
            members,
        )
        % {
            "n": figures.count(members),
            "change": figures.count_change(members, prev.get("members_unique"), before)[0],
            "sum": figures.count(cur.get("members_sum")),
        }
    )
    contributors = cur.get("active_contributors_unique") or 0
    sentences.append(
        ngettext(
            "%(n)s person wrote on the enterprise social network in a community (%(change)s); "
            "active rate: %(rate)s.",
            "%(n)s people wrote on the enterprise social network in a community (%(change)s); "
            "active rate: %(rate)s.",
            contributors,
        )
        % {
            "n": figures.count(contributors),
            "change": figures.count_change(
                contributors, prev.get("active_contributors_unique"), before
            )[0],
            "rate": figures.percent(cur.get("active_rate")),
        }
    )
    webinars = cur.get("webinars") or 0
    sentences.append(
        ngettext(
            "%(n)s webinar was held (%(change)s), among %(events)s events that gathered "
            "%(attendance)s attendees.",
            "%(n)s webinars were held (%(change)s), among %(events)s events that gathered "
            "%(attendance)s attendees.",
            webinars,
        )
        % {
            "n": figures.count(webinars),
            "change": figures.count_change(webinars, prev.get("webinars"), before)[0],
            "events": figures.count(cur.get("events")),
            "attendance": figures.count(cur.get("attendance")),
        }
    )
    sentences.append(
        ngettext(
            "%(rate)s of communities updated their charter with the year's objectives "
            "(%(part)s of %(whole)s community; %(change)s).",
            "%(rate)s of communities updated their charter with the year's objectives "
            "(%(part)s of %(whole)s communities; %(change)s).",
            n,
        )
        % {
            "rate": figures.percent(cur.get("charter_updated_rate")),
            "part": figures.count(cur.get("charter_updated")),
            "whole": figures.count(n),
            "change": figures.rate_change(
                cur.get("charter_updated_rate"), prev.get("charter_updated_rate"), before
            )[0],
        }
    )
    sentences.append(_survey_sentence(data))
    if data.stories is not None:
        stories = data.stories["figures"]
        sentences.append(
            ngettext(
                "%(n)s success story was published, %(quantified)s with a validated benefit.",
                "%(n)s success stories were published, %(quantified)s with a validated benefit.",
                int(stories["stories"]),
            )
            % {
                "n": figures.count(int(stories["stories"])),
                "quantified": figures.count(int(stories["stories_quantified"])),
            }
        )
    return sentences


def _survey_sentence(data: AnnualData) -> str:
    cur = data.current.programme
    if data.survey is None or cur.get("respondents") is None:
        return _("No annual survey was published for %(year)s.") % {"year": data.year}
    if cur.get("respondents") == SUPPRESSED:
        return ngettext(
            "The annual survey's programme results are not shown: fewer than %(k)s respondent.",
            "The annual survey's programme results are not shown: fewer than %(k)s respondents.",
            data.survey["k"],
        ) % {"k": data.survey["k"]}
    return _(
        "%(n)s people answered the annual survey (response rate %(rate)s); engagement "
        "%(engagement)s and perceived value %(value)s on a scale of 1 to 5."
    ) % {
        "n": figures.count(cur.get("respondents")),
        "rate": figures.percent(cur.get("response_rate")),
        "engagement": score(cur.get("engagement_score")),
        "value": score(cur.get("value_score")),
    }


def score(value: Any) -> str:
    if value is None:
        return figures.DASH
    if value == SUPPRESSED:
        return _("suppressed")
    from django.utils.formats import number_format

    return str(number_format(value, 1))


# --- Annex ------------------------------------------------------------------------------------


def annex_rows(data: AnnualData) -> list[dict[str, Any]]:
    """One scorecard per community that counts in the year, by name.

    Pure Python over the rows already computed (no query): the year against the year
    before, with the change, and the community's survey figures (or 'suppressed').
    """
    before = {row["slug"]: row for row in data.previous.communities}
    stages = dict(Stage.choices)
    scorecard_figures = figures._scorecard_figures()
    labels = _survey_labels()
    rows = []
    for row in sorted(data.current.communities, key=lambda r: (r["name"].lower(), r["slug"])):
        prev = before.get(row["slug"])
        table = figures.trend_table([(data.year - 1, prev), (data.year, row)], scorecard_figures)
        survey = None
        if row.get("respondents") is not None:
            survey = (
                {"suppressed": True}
                if row["respondents"] == SUPPRESSED
                else {
                    "suppressed": False,
                    "cells": [
                        {"label": labels[k], "value": _survey_value(k, row.get(k))}
                        for k in SURVEY_KEYS
                    ],
                }
            )
        rows.append(
            {
                "slug": row["slug"],
                "name": row["name"],
                "stage": stages.get(row["stage"], row["stage"]),
                "table": table,
                "survey": survey,
            }
        )
    return rows


def _survey_labels() -> dict[str, str]:
    return {
        "respondents": _("Respondents"),
        "response_rate": _("Response rate"),
        "engagement_score": _("Engagement (1–5)"),
        "value_score": _("Perceived value (1–5)"),
        "nps": _("Net promoter score"),
    }


def _survey_value(key: str, value: Any) -> str:
    if key == "respondents":
        return figures.count(value)
    if key == "response_rate":
        return figures.percent(value)
    return score(value)


# --- Rendering --------------------------------------------------------------------------------


def _svg(block: figures.ChartBlock, *, height: int | None = None) -> dict[str, Any]:
    """The dashboard's chart drawn as SVG; `height` shortens it for the printed page."""
    spec = dict(block.spec)
    if height is not None:
        spec["height"] = height
    return {
        "id": block.id,
        "svg": to_svg(spec, width=CHART_WIDTH),
        "title": block.spec.get("description", ""),
        "table": block.table,
        "caption": block.caption,
    }


def report_context(data: AnnualData) -> dict[str, Any]:
    """The template's context, in the active language."""
    _tables, rank_blocks, _note = figures.rankings(data.current, "active_rate")
    charts = [_svg(b, height=CHART_HEIGHT) for b in figures.programme_charts(data.dashboard)]
    return {
        "year": data.year,
        "programme": ProgrammeSettings.load(),
        "generated": timezone.localdate(),
        "closed": data.current.closed,
        "summary": summary_sentences(data),
        "tiles": figures.programme_tiles(data.dashboard),
        "trend_table": figures.programme_trend_table(data.dashboard),
        "charts": charts,
        "rank_charts": [_svg(b) for b in rank_blocks],
        "survey": data.survey,
        "stories": data.stories,
        "awards": data.awards,
        "maturity": data.maturity,
        "annex": annex_rows(data),
    }


def render_html(year: int, language: str) -> tuple[str, AnnualData]:
    """The whole report as one HTML document (small programmes; the bench's baseline)."""
    with translation.override(language):
        data = annual_data(year)
        context = report_context(data)
        html = render_to_string(
            "reports/annual/report.html", {**context, "annex_count": len(context["annex"])}
        )
    return html, data


@dataclass
class Rendered:
    pdf: bytes
    xlsx: bytes
    pages: int
    communities: int
    missing: list[str]


def render_pdf(html: str) -> tuple[bytes, int]:
    """The PDF of an HTML document, and its page count."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=".").render()
    pages = len(document.pages)
    return bytes(document.write_pdf()), pages


def _render_in_parts(context: dict[str, Any], directory: Path) -> tuple[bytes, int]:
    """A large report in bounded memory: the main chapters, then the annex by parts of
    ANNEX_PART communities, each part a PDF of its own, joined by `pdfunite`.

    WeasyPrint keeps every page's layout until the PDF is written (about 1.5 MB a page),
    so one document of 5,000 scorecards would need gigabytes. Each scorecard is one page,
    so a scorecard's page number in the whole report is known before it is laid out: it
    is written in the scorecard (`folio`), and the parts need no page counter.
    """
    pdfunite = shutil.which("pdfunite")
    if pdfunite is None:
        raise RuntimeError(
            "pdfunite (poppler-utils) is needed to join the parts of a report of more than "
            f"{ANNEX_PART} communities; install poppler-utils."
        )
    annex = context["annex"]
    main_html = render_to_string(
        "reports/annual/report.html", {**context, "annex": [], "annex_count": len(annex)}
    )
    main_pdf, main_pages = render_pdf(main_html)
    del main_html
    total = main_pages + len(annex)
    files = [directory / "part-0000.pdf"]
    files[0].write_bytes(main_pdf)
    del main_pdf
    for start in range(0, len(annex), ANNEX_PART):
        part = annex[start : start + ANNEX_PART]
        for i, row in enumerate(part, start=main_pages + start + 1):
            row["folio"] = f"{i} / {total}"
        html = render_to_string("reports/annual/annex.html", {**context, "annex": part})
        pdf, pages = render_pdf(html)
        if pages != len(part):
            log.warning("annex part %s: %s pages for %s scorecards", start, pages, len(part))
        path = directory / f"part-{start + 1:04d}.pdf"
        path.write_bytes(pdf)
        files.append(path)
    output = directory / "report.pdf"
    subprocess.run([pdfunite, *map(str, files), str(output)], check=True, capture_output=True)
    return output.read_bytes(), total


def render_report(year: int, language: str) -> Rendered:
    """Read the year once, then write the PDF and the XLSX of the report."""
    with translation.override(language):
        data = annual_data(year)
        context = report_context(data)
        annex_size = len(context["annex"])
        if annex_size <= ANNEX_PART:
            html = render_to_string(
                "reports/annual/report.html", {**context, "annex_count": annex_size}
            )
            pdf, pages = render_pdf(html)
            del html
        else:
            with tempfile.TemporaryDirectory(prefix="trellis-report-") as tmp:
                pdf, pages = _render_in_parts(context, Path(tmp))
        del context
        xlsx = exports.export_xlsx(data.current)
    return Rendered(
        pdf=pdf,
        xlsx=xlsx,
        pages=pages,
        communities=len(data.current.communities),
        missing=data.missing,
    )


def report_filename(year: int, language: str, extension: str) -> str:
    return f"trellis-annual-report-{year}-{language}.{extension}"
