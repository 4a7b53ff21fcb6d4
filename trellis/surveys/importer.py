"""Import the survey-results CSV of formats.md (a survey run in another tool).

One row per anonymous response, a column per question code of the campaign's
questionnaire and a `community` column (the community's slug). A row gives a response for
that community (its community-section questions) and, when any global-section column is
filled, a response for the global section. All rows or none; the same file twice is
refused; one audit entry per import (counts and sha256), never an answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.communities.models import Community
from trellis.core.audit import Actor, audit_record
from trellis.lib.tabular import TabularError, read_table
from trellis.surveys.models import Answer, Campaign, Question, Response, ResultsImport
from trellis.surveys.questionnaire import ParsedAnswer, parse_answer

MAX_ROWS = 1_000_000


@dataclass
class ImportReport:
    sha256: str = ""
    rows: int = 0
    responses: int = 0
    errors: list[str] = field(default_factory=list)
    applied: bool = False
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def survey_results_import(
    *, actor: Actor, campaign: Campaign, data: bytes, filename: str
) -> ImportReport:
    """Validate every row, then write all responses in one transaction (or none).

    1. refuse a campaign that is not run in another tool, or already published;
    2. refuse a file already imported into this campaign (same sha256);
    3. parse and validate each row with the same rules as the web form (ranges, choices,
       required answers, comment length); every bad row is reported with its line;
    4. with no error, write the responses (date only: the import date) and the answers.
    """
    report = ImportReport(sha256=hashlib.sha256(data).hexdigest())
    if not campaign.external:
        report.errors.append(_("This campaign runs in Trellis: only external campaigns import."))
        return report
    if campaign.status == Campaign.Status.PUBLISHED:
        report.errors.append(_("This campaign is published: its results can no longer change."))
        return report
    if ResultsImport.objects.filter(campaign=campaign, sha256=report.sha256).exists():
        report.duplicate = True
        report.errors.append(_("This file was already imported into this campaign."))
        return report
    questions = list(campaign.template.questions.all())
    by_code = {q.code: q for q in questions}
    communities = dict(Community.objects.values_list("slug", "pk"))
    _header, rows = read_table(data, filename=filename, required=["community"], max_rows=MAX_ROWS)
    # Another tool may not have asked every question: only the columns present are read
    # (and required there); the global section only for rows that answer any of it.
    in_file = [q for q in questions if q.code in _header]
    pending: list[tuple[int | None, list[ParsedAnswer]]] = []
    for row in rows:
        report.rows += 1
        slug = row.values.get("community", "").strip()
        community_id = communities.get(slug)
        if community_id is None:
            report.errors.append(
                str(TabularError(_("unknown community “%(slug)s”") % {"slug": slug}, line=row.line))
            )
            continue
        sections: dict[str, list[ParsedAnswer]] = {"global": [], "community": []}
        row_errors = []
        has_global = any(
            row.values.get(q.code, "").strip() for q in in_file if q.section == "global"
        )
        for q in in_file:
            if q.section == "global" and not has_global:
                continue
            found, error = parse_answer(q, _split(q, row.values.get(q.code, "")))
            if error:
                row_errors.append(f"{q.code}: {error}")
            sections[q.section].extend(found)
        if row_errors:
            report.errors.append(str(TabularError("; ".join(row_errors), line=row.line)))
            continue
        pending.append((community_id, sections["community"]))
        if sections["global"]:
            pending.append((None, sections["global"]))
    unknown = [c for c in _header if c and c != "community" and c not in by_code]
    if unknown:
        report.errors.append(
            _("Unknown question codes in the header: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    if report.errors:
        return report
    today = timezone.localdate()
    with transaction.atomic():
        ResultsImport.objects.create(
            campaign=campaign,
            sha256=report.sha256,
            rows=report.rows,
            by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )
        answers: list[Answer] = []
        for start in range(0, len(pending), 1000):
            chunk = pending[start : start + 1000]
            responses = Response.objects.bulk_create(
                [
                    Response(campaign=campaign, community_id=cid, submitted_on=today, imported=True)
                    for cid, _a in chunk
                ]
            )
            for response, (_cid, parsed) in zip(responses, chunk, strict=True):
                answers.extend(
                    Answer(
                        response=response,
                        question=a.question,
                        number=a.number,
                        text=a.text,
                        campaign=campaign,
                        community_id=response.community_id,
                    )
                    for a in parsed
                )
            Answer.objects.bulk_create(answers, batch_size=2000)
            answers.clear()
        report.responses = len(pending)
        audit_record(
            actor=actor,
            action="survey_results.import",
            obj=campaign,
            changes={"rows": report.rows, "responses": report.responses, "sha256": report.sha256},
        )
    report.applied = True
    return report


def _split(question: Question, raw: str) -> list[str]:
    if question.type == Question.Type.MULTIPLE:
        return [v for v in raw.split("|") if v.strip()]
    return [raw]
