"""Writes to the person directory."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from trellis.core.audit import Actor, audit_record
from trellis.lib.tabular import TabularError, read_table
from trellis.people.importer import (
    OPTIONAL,
    REQUIRED,
    ImportReport,
    RowError,
    apply_plan,
    plan_import,
)
from trellis.people.models import Person


def people_import(
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    dry_run: bool,
    deactivate_missing: bool,
) -> ImportReport:
    """Import the HR people file: all rows or none.

    1. read the header (a TabularError propagates: the file is unreadable);
    2. validate every row and plan the changes (a row error also propagates as
       TabularError when the file breaks mid-way, e.g. an unclosed quote);
    3. if any row is rejected, or for a dry run: return the report, nothing written;
    4. otherwise apply in one transaction (the plan is made inside it, so that it sees
       the directory it changes) and record one audit entry `people.import`.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    report = ImportReport(
        filename=filename, sha256=sha256, dry_run=dry_run, deactivate_missing=deactivate_missing
    )
    header, rows = read_table(data, filename=filename, required=REQUIRED, optional=OPTIONAL)
    keep_active = None
    if actor is not None and actor.is_authenticated:
        keep_active = Person.objects.filter(user_id=actor.pk).values_list("pk", flat=True).first()
    if dry_run:
        plan_import(rows, header=header, report=report, keep_active=keep_active)
        return report
    try:
        with transaction.atomic():
            plan = plan_import(rows, header=header, report=report, keep_active=keep_active)
            if not report.ok:
                return report
            apply_plan(plan)
            audit_record(
                actor=actor,
                action="people.import",
                object_type="people.person",
                object_repr=filename[:300],
                changes={
                    **report.counts(),
                    "filename": filename,
                    "sha256": sha256,
                    "deactivate_missing": deactivate_missing,
                },
            )
    except IntegrityError as exc:
        # Someone changed the directory while the file was being applied.
        raise TabularError(
            _("The directory changed during the import; nothing was applied. Try again.")
        ) from exc
    report.applied = True
    return report


__all__ = ["ImportReport", "RowError", "people_import"]
