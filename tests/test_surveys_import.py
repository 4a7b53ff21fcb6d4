"""trellis import-survey-results: external results into the same anonymous store."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.personas import World
from trellis.core.models import AuditEntry
from trellis.surveys import services
from trellis.surveys.models import Answer, Campaign, Response
from trellis.surveys.selectors import campaign_results

HEADER = "community,engaged,solve_faster,nps,channels,comment,programme_useful\n"


def _campaign(world: World, *, external: bool = True) -> Campaign:
    template, _c = services.template_create_default(actor=None)
    return services.campaign_create(
        actor=world.office,
        year=2026,
        title="External",
        template=template,
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 1, 31),
        external=external,
    )


def _write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "results.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _run(path: Path, campaign: Campaign) -> int:
    try:
        call_command("import-survey-results", str(path), campaign=campaign.pk)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_it_imports_rows_as_anonymous_responses(world: World, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    rows = [f"welding,{v},{6 - v},{n},events|esn,,{v}" for v, n in [(5, 9), (4, 10), (3, 2)]]
    rows += ["cloud,2,2,5,,Great community,"]
    path = _write(tmp_path, rows)
    assert _run(path, campaign) == 0
    # 4 community sections + 3 global sections (rows with a programme answer).
    assert Response.objects.filter(campaign=campaign, community__isnull=False).count() == 4
    assert Response.objects.filter(campaign=campaign, community__isnull=True).count() == 3
    assert Answer.objects.filter(text="Great community").exists()
    entries = AuditEntry.objects.filter(action="survey_results.import")
    assert entries.count() == 1
    assert "Great community" not in str(entries.get().changes)
    results = campaign_results(campaign)
    assert results.communities[world.cloud.pk]["suppressed"]
    # The same file twice: refused, nothing added.
    before = Response.objects.count()
    assert _run(path, campaign) == 1
    assert Response.objects.count() == before
    assert "already imported" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("nowhere,4,4,9,,,", "unknown community"),
        ("welding,9,4,9,,,", "between 1 and 5"),
        ("welding,4,4,11,,,", "between 0 and 10"),
        ("welding,,4,9,,,", "needs an answer"),
        ("welding,4,4,9,bogus,,", "answers offered"),
        ("welding,4,4,9,,{},".format("x" * 5001), "characters"),
    ],
)
def test_it_imports_all_rows_or_none(
    world: World, tmp_path: Path, capsys, row: str, reason: str
) -> None:  # type: ignore[no-untyped-def]
    campaign = _campaign(world)
    path = _write(tmp_path, ["welding,4,4,9,,,", row])
    assert _run(path, campaign) == 1
    err = capsys.readouterr().err
    assert reason in err and "line 3" in err
    assert Response.objects.count() == 0 and Answer.objects.count() == 0


def test_it_refuses_a_campaign_run_in_trellis(world: World, tmp_path: Path) -> None:
    campaign = _campaign(world, external=False)
    assert _run(_write(tmp_path, ["welding,4,4,9,,,"]), campaign) == 1
    assert Response.objects.count() == 0


def test_it_refuses_an_unknown_question_column(world: World, tmp_path: Path) -> None:
    campaign = _campaign(world)
    path = tmp_path / "bad.csv"
    path.write_text("community,engaged,mystery\nwelding,4,1\n", encoding="utf-8")
    assert _run(path, campaign) == 1
    assert Response.objects.count() == 0


def test_it_runs_as_a_command_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "trellis.cli", "import-survey-results", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "--campaign" in result.stdout
