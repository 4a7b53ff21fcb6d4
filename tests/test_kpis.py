"""Yearly KPIs: `compute_kpis` against an independent oracle, the CLI `trellis kpis`, year
closing (snapshots, recompute with a trace) and the KPI year pages with their permissions.

The oracle (tests/kpi_oracle.py) recomputes every figure of guide/kpis.md from raw,
randomly generated programmes; tests/kpi_loader.py loads the same programmes into Trellis.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.fingerprint import db_fingerprint
from tests.kpi_loader import import_activity, load_programme
from tests.kpi_oracle import (
    RawMessage,
    RawProgramme,
    RawSpace,
    generate_programme,
    oracle_kpis,
)
from tests.personas import World
from trellis.activity.models import EsnAuthor, Space
from trellis.communities.models import Community, Membership, Stage
from trellis.core.models import AuditEntry, ProgrammeSettings
from trellis.kpis.models import KpiSnapshot
from trellis.kpis.selectors import (
    COMMUNITY_FIELDS,
    PROGRAMME_FIELDS,
    compare_years,
    compute_kpis,
    monthly_activity,
    open_year,
)
from trellis.people.models import Person

pytestmark = pytest.mark.django_db

YEAR = 2024
# Separates held from future planned events: inside the year after YEAR.
NOW = dt.datetime(YEAR + 1, 6, 15, 12, tzinfo=dt.UTC)
SEEDS = range(10)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }


def loaded(raw: RawProgramme, settings: Any) -> Any:
    settings.TIME_ZONE = raw.tz
    return load_programme(raw)


def assert_agrees(raw: RawProgramme, year: int) -> dict[str, Any]:
    """Trellis and the oracle give the same figures for the programme and each community."""
    got = compute_kpis(year, now=NOW)
    want = oracle_kpis(raw, year, NOW)
    assert [c["slug"] for c in got.communities] == [c["slug"] for c in want["communities"]]
    for mine, theirs in zip(got.communities, want["communities"], strict=True):
        assert mine == theirs, mine["slug"]
    assert got.programme == want["programme"]
    return want


# --- Trellis == oracle ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_it_agrees_with_the_oracle_for_every_figure(seed: int, settings: Any) -> None:
    raw = generate_programme(seed)
    loaded(raw, settings)
    for year in (YEAR - 1, YEAR, YEAR + 1):
        want = assert_agrees(raw, year)
        assert monthly_activity(year) == want["monthly"]


@pytest.mark.parametrize("exclude_staff", [False, True])
def test_it_agrees_with_staff_excluded_or_not(exclude_staff: bool, settings: Any) -> None:
    raw = generate_programme(101)
    raw.exclude_staff = exclude_staff
    for person in raw.people[::3]:
        person.staff = True
    loaded(raw, settings)
    assert_agrees(raw, YEAR)


@pytest.mark.parametrize("seed", [3, 7])
def test_it_agrees_under_each_filter(seed: int, settings: Any) -> None:
    raw = generate_programme(seed, communities=12)
    ids = loaded(raw, settings)
    for raw_bu, bu in ids.business_units.items():
        got = compute_kpis(YEAR, business_unit=bu, now=NOW)
        want = oracle_kpis(raw, YEAR, NOW, business_unit=raw_bu)
        assert got.programme == want["programme"]
        assert got.communities == want["communities"]
    for stage in Stage.values:
        got = compute_kpis(YEAR, stage=stage, now=NOW)
        assert got.programme == oracle_kpis(raw, YEAR, NOW, stage=stage)["programme"]
    for tag in ("safety", "cloud", "data", "lean"):
        got = compute_kpis(YEAR, tag=tag, now=NOW)
        assert got.programme == oracle_kpis(raw, YEAR, NOW, tag=tag)["programme"]
    chosen = {c.id for c in raw.communities[::2]}
    got = compute_kpis(YEAR, community_ids=[ids.communities[c] for c in chosen], now=NOW)
    want = oracle_kpis(raw, YEAR, NOW, community_ids=chosen)
    assert got.programme == want["programme"]
    assert got.communities == want["communities"]
    ids_monthly = [ids.communities[c] for c in chosen]
    assert monthly_activity(YEAR, ids_monthly) == want["monthly"]


def test_it_counts_by_the_local_day_around_new_year(settings: Any) -> None:
    """23:30 on 31 December in Auckland is 10:30 UTC the same day; 00:30 on 1 January is
    11:30 UTC on 31 December: UTC would put both in the same year."""
    raw = generate_programme(5, messages=0, tz="Pacific/Auckland")
    community = next(c for c in raw.communities if c.launched and not c.closed)
    community.launched = dt.date(YEAR - 2, 1, 1)
    space = RawSpace("slack", "edge-space", community.id)
    raw.spaces.append(space)
    author = next(a for a in raw.authors if a.source == space.source)
    zone = zoneinfo.ZoneInfo(raw.tz)
    for n, (local, is_post) in enumerate(
        [(dt.datetime(YEAR, 12, 31, 23, 30), True), (dt.datetime(YEAR + 1, 1, 1, 0, 30), False)]
    ):
        raw.messages.append(
            RawMessage(
                source=space.source,
                id=f"edge{n}",
                space=space.external_id,
                author=author.external_id,
                created_at=local.replace(tzinfo=zone).astimezone(dt.UTC),
                is_post=is_post,
                reactions=0,
            )
        )
    loaded(raw, settings)
    this_year = compute_kpis(YEAR, now=NOW).community(community.slug)
    next_year = compute_kpis(YEAR + 1, now=NOW).community(community.slug)
    assert this_year is not None and next_year is not None
    assert (this_year["posts"], this_year["replies"]) == (1, 0)
    assert (next_year["posts"], next_year["replies"]) == (0, 1)
    assert_agrees(raw, YEAR)


def test_it_counts_aliases_and_unresolved_authors_once(settings: Any) -> None:
    raw = generate_programme(11)
    loaded(raw, settings)
    alias_only = [a for a in raw.authors if not a.email or "legacy" in a.email.lower()]
    assert alias_only, "the generator must produce authors known only through aliases"
    resolved = EsnAuthor.objects.filter(external_id__in=[a.external_id for a in alias_only])
    assert resolved.filter(person__isnull=True).count() == 0
    assert_agrees(raw, YEAR)


# --- Properties (hypothesis) ------------------------------------------------------------------


@hsettings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_it_keeps_unique_below_sum_and_parts_adding_up(seed: int, settings: Any) -> None:
    raw = generate_programme(seed, communities=6, people=20, messages=120)
    settings.TIME_ZONE = raw.tz
    with transaction.atomic():
        load_programme(raw)
        result = compute_kpis(YEAR, now=NOW)
        p, rows = result.programme, result.communities
        assert p == oracle_kpis(raw, YEAR, NOW)["programme"]
        assert p["members_unique"] <= p["members_sum"]
        assert p["active_contributors_unique"] <= p["active_contributors"]
        assert p["unique_attendees"] <= sum(r["unique_attendees"] for r in rows)
        for name in ("posts", "replies", "messages", "reactions", "events", "attendance"):
            assert p[name] == sum(r[name] for r in rows)
        assert p["messages"] == p["posts"] + p["replies"]
        assert sum(p["communities_by_stage"].values()) == p["communities"] == len(rows)
        assert sum(p["events_by_type"].values()) == p["events"]
        for row in rows:
            assert row["messages"] == row["posts"] + row["replies"]
            assert sum(row["events_by_type"].values()) == row["events"]
            assert row["members"] <= p["members_unique"]
        months = monthly_activity(YEAR)
        assert sum(m["posts"] for m in months) == p["posts"]
        assert sum(m["replies"] for m in months) == p["replies"]
        # The stages partition the communities: their figures add up to the programme's.
        parts = [compute_kpis(YEAR, stage=s, now=NOW).programme for s in Stage.values]
        for name in ("communities", "members_sum", "messages", "events", "objectives"):
            assert sum(part[name] for part in parts) == p[name]
        assert sum(part["members_unique"] for part in parts) >= p["members_unique"]
        transaction.set_rollback(True)


# --- Query count ----------------------------------------------------------------------------


def _programme_of(size: int, settings: Any) -> None:
    raw = generate_programme(size, communities=size, people=40, messages=size * 10)
    loaded(raw, settings)


def _queries(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "call",
    [
        lambda: compute_kpis(YEAR, now=NOW),
        lambda: compute_kpis(YEAR, stage="active", tag="data", now=NOW),
        lambda: monthly_activity(YEAR),
    ],
)
def test_it_runs_a_constant_number_of_queries(call: Callable[[], Any], settings: Any) -> None:
    _programme_of(5, settings)
    small = _queries(call)
    assert compute_kpis(YEAR, now=NOW).programme["communities"] >= 1
    with transaction.atomic():
        Community.objects.all().delete()
        Person.objects.all().delete()
        Space.objects.all().delete()
        EsnAuthor.objects.all().delete()
        _programme_of(50, settings)
        assert compute_kpis(YEAR, now=NOW).programme["communities"] > 10
        large = _queries(call)
    assert small == large


# --- CLI ------------------------------------------------------------------------------------


def run_kpis(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("kpis", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except Exception as exc:  # CommandError
        code = getattr(exc, "returncode", 1)
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def test_it_prints_json_in_the_documented_shape(settings: Any) -> None:
    raw = generate_programme(2)
    loaded(raw, settings)
    code, out, _err = run_kpis("--year", str(YEAR), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["year", "programme", "communities"]
    assert data["year"] == YEAR
    assert list(data["programme"]) == PROGRAMME_FIELDS
    assert [list(c) for c in data["communities"]] == [COMMUNITY_FIELDS] * len(data["communities"])
    assert data["communities"][0]["slug"]
    want = oracle_kpis(raw, YEAR, dt.datetime.now(dt.UTC))
    assert data["programme"]["members_unique"] == want["programme"]["members_unique"]
    assert data["programme"]["messages"] == want["programme"]["messages"]
    assert [c["slug"] for c in data["communities"]] == [c["slug"] for c in want["communities"]]


def test_it_prints_csv_with_one_row_per_community_and_a_total(settings: Any) -> None:
    raw = generate_programme(4)
    loaded(raw, settings)
    code, out, _err = run_kpis("--year", str(YEAR), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    result = compute_kpis(YEAR)
    assert [r["slug"] for r in rows] == [c["slug"] for c in result.communities] + [""]
    total = rows[-1]
    assert int(total["members_unique"]) == result.programme["members_unique"]
    assert int(total["members"]) == result.programme["members_sum"]
    assert sum(int(r["messages"]) for r in rows[:-1]) == int(total["messages"])
    assert sum(int(r["events_webinar"]) for r in rows[:-1]) == int(total["webinars"])


def test_it_neutralises_formulas_in_csv(world: World) -> None:
    Community.objects.filter(pk=world.welding.pk).update(name="=HYPERLINK(1)")
    code, out, _err = run_kpis("--format", "csv")
    assert code == 0
    assert "'=HYPERLINK(1)" in out


def test_it_prints_a_readable_table(settings: Any) -> None:
    raw = generate_programme(6)
    loaded(raw, settings)
    code, out, _err = run_kpis("--year", str(YEAR))
    assert code == 0
    result = compute_kpis(YEAR)
    assert f"KPIs {YEAR}" in out
    unique = result.programme["members_unique"]
    assert re.search(rf"^  members_unique +{unique}  Members \(unique people\)$", out, re.M)
    assert re.search(
        rf"^    active +{result.programme['communities_by_stage']['active']}$", out, re.M
    )
    for row in result.communities:
        assert f"  {row['slug']} " in out
    assert max(len(line) for line in out.splitlines()) < 160


def test_it_narrows_to_one_community(world: World) -> None:
    code, out, _err = run_kpis("--community", "welding", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [c["slug"] for c in data["communities"]] == ["welding"]
    assert data["programme"]["communities"] == 1
    assert data["programme"]["members_unique"] == data["communities"][0]["members"] == 4
    code, out, _err = run_kpis("--community", "welding")
    assert code == 0 and "Welding (welding)" in out


def test_it_rejects_an_unknown_community(db: None) -> None:
    code, _out, err = run_kpis("--community", "nope")
    assert code == 2
    assert "nope" in err


def test_it_runs_as_a_subprocess_and_rejects_bad_options() -> None:
    # The real entry point: argument errors exit non-zero before touching the database.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "trellis.cli", "kpis", "--format", "xml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--format" in done.stderr


# --- Year-over-year ----------------------------------------------------------------------------


def test_it_compares_a_year_with_the_previous_one(settings: Any) -> None:
    raw = generate_programme(8)
    loaded(raw, settings)
    comparison = compare_years(YEAR)
    now, before = compute_kpis(YEAR), compute_kpis(YEAR - 1)
    assert comparison["previous_year"] == YEAR - 1
    members = comparison["programme"]["members_unique"]
    assert members == {
        "value": now.programme["members_unique"],
        "previous": before.programme["members_unique"],
        "change": now.programme["members_unique"] - before.programme["members_unique"],
    }
    assert comparison["programme"]["has_leader_rate"]["value"] == now.programme["has_leader_rate"]
    for row in now.communities:
        figures = comparison["communities"][row["slug"]]
        old = before.community(row["slug"])
        assert figures["messages"]["previous"] == (old["messages"] if old else None)
        assert figures["has_sponsor"]["change"] is None


# --- Closing a year ---------------------------------------------------------------------------


def _close(year: int) -> KpiSnapshot:
    from trellis.kpis.services import kpi_year_close

    return kpi_year_close(actor=None, year=year)


def _mapped_space(raw: RawProgramme) -> Space:
    """A Viva Engage space mapped to a community, made to count in YEAR."""
    chosen = next(x for x in raw.spaces if x.source == "viva-engage" and x.community)
    space = Space.objects.get(source=chosen.source, external_id=chosen.external_id)
    Community.objects.filter(pk=space.community_id).update(
        launched=dt.date(YEAR - 3, 1, 1), closed=None
    )
    return space


def _add_activity(raw: RawProgramme, space: Space, n: int = 7) -> None:
    """A late export: n more posts in YEAR in the space, imported like the rest."""
    author = next(a for a in raw.authors if a.source == space.source)
    for k in range(n):
        raw.messages.append(
            RawMessage(
                source=space.source,
                id=f"late{k}",
                space=space.external_id,
                author=author.external_id,
                created_at=dt.datetime(YEAR, 6, 1, 12, k, tzinfo=dt.UTC),
                is_post=True,
                reactions=0,
            )
        )
    import_activity(raw)


def test_it_freezes_a_closed_year(settings: Any) -> None:
    raw = generate_programme(9, communities=10)
    loaded(raw, settings)
    space = _mapped_space(raw)
    before = compute_kpis(YEAR)
    months_before = monthly_activity(YEAR)
    snapshot = _close(YEAR)
    assert compute_kpis(YEAR).closed
    assert compute_kpis(YEAR).as_json() == before.as_json()
    # Later corrections: more messages, a membership, a new community launched in the year.
    _add_activity(raw, space)
    person = Person.objects.create(name="Late Joiner", email="late@example.com")
    Membership.objects.create(
        person=person, community_id=space.community_id, joined=dt.date(YEAR, 3, 1)
    )
    Community.objects.create(name="Late", slug="late", stage="active", launched=dt.date(YEAR, 5, 1))
    live = compute_kpis(YEAR, live=True)
    assert live.programme["messages"] == before.programme["messages"] + 7
    frozen = compute_kpis(YEAR)
    assert frozen.as_json() == before.as_json()
    assert frozen.closed and frozen.snapshot_id == snapshot.pk
    code, out, _err = run_kpis("--year", str(YEAR), "--format", "json")
    assert code == 0 and json.loads(out) == before.as_json()
    assert "closed on" in run_kpis("--year", str(YEAR))[1]
    assert monthly_activity(YEAR) == months_before
    # Recompute on purpose: the new figures, with who/why/what changed.
    from trellis.kpis.services import kpi_year_recompute

    again = kpi_year_recompute(actor=None, year=YEAR, reason="December export arrived late")
    assert again.recomputed_from_id == snapshot.pk
    after = compute_kpis(YEAR)
    assert after.as_json() == live.as_json()
    assert after.snapshot_id == again.pk
    entry = again.trace[-1]
    assert entry["action"] == "recompute"
    assert entry["reason"] == "December export arrived late"
    assert entry["diff"]["messages"] == [before.programme["messages"], live.programme["messages"]]
    assert entry["diff"]["communities"] == [
        before.programme["communities"],
        live.programme["communities"],
    ]
    assert "late" in entry["communities_changed"]
    assert [e["action"] for e in again.trace] == ["close", "recompute"]
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "kpi.year_close" in actions and "kpi.year_recompute" in actions
    KpiSnapshot.objects.get(pk=snapshot.pk)  # the original is kept


@pytest.mark.parametrize("seed", [12, 21, 34])
def test_it_reads_a_closed_year_as_it_computed_live(seed: int, settings: Any) -> None:
    """Closing counts people its own way (one scan per figure): the frozen figures must be
    the live ones, for the programme, each one-filter view, one community and every month."""
    raw = generate_programme(seed, communities=10)
    ids = loaded(raw, settings)
    scopes: list[dict[str, Any]] = [{}]
    scopes += [{"business_unit": bu} for bu in ids.business_units.values()]
    scopes += [{"stage": stage} for stage in Stage.values]
    scopes += [{"tag": tag} for tag in ("safety", "cloud", "data", "lean")]
    scopes += [{"community_ids": [pk]} for pk in ids.communities.values()]
    live = [compute_kpis(YEAR, now=NOW, **scope).as_json() for scope in scopes]
    months = [monthly_activity(YEAR, **scope) for scope in scopes]
    combined = compute_kpis(YEAR, stage="active", tag="data", now=NOW)
    from trellis.kpis.services import kpi_year_close

    with pytest.MonkeyPatch.context() as mp:
        # Close with the same "now" the live figures used.
        from trellis.kpis import selectors as kpi_selectors

        real = kpi_selectors.freeze_year
        mp.setattr("trellis.kpis.services.freeze_year", lambda year: real(year, now=NOW))
        kpi_year_close(actor=None, year=YEAR)
    for scope, want, want_months in zip(scopes, live, months, strict=True):
        got = compute_kpis(YEAR, **scope)
        assert got.closed
        assert got.as_json() == want, scope
        assert monthly_activity(YEAR, **scope) == want_months, scope
    both = compute_kpis(YEAR, stage="active", tag="data")
    assert both.communities == combined.communities
    if len(both.communities) > 1:
        assert both.programme["members_unique"] is None and both.notes
        assert both.programme["members_sum"] == combined.programme["members_sum"]


def test_it_refuses_to_close_the_open_year_or_twice(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _close(open_year())
    _close(open_year() - 1)
    with pytest.raises(ValidationError):
        _close(open_year() - 1)
    assert KpiSnapshot.objects.count() == 1


def test_it_waits_for_a_running_import_before_closing(world: World) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from trellis.activity.models import ImportJob

    job = ImportJob.objects.create(
        source="slack", filename="x.zip", status="running", heartbeat_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="import is running"):
        _close(open_year() - 1)
    client = Client()
    client.force_login(world.office)
    response = client.post(f"/kpis/years/{open_year() - 1}/close/", follow=True)
    assert "import is running" in response.content.decode()
    assert not KpiSnapshot.objects.exists()
    # A job whose worker died long ago does not block the close.
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(days=1),
        started_at=timezone.now() - dt.timedelta(days=1),
    )
    assert _close(open_year() - 1).year == open_year() - 1


def test_it_records_staff_exclusion_in_the_snapshot(world: World) -> None:
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"exclude_staff_from_activity": True})
    snapshot = _close(open_year() - 1)
    assert snapshot.data["settings"]["exclude_staff_from_activity"] is True


# --- Pages ------------------------------------------------------------------------------------


def test_it_closes_a_year_from_the_page_after_confirmation(world: World, as_user: Any) -> None:
    year = open_year() - 1
    client = as_user("office")
    page = client.get(f"/kpis/years/{year}/close/")
    assert page.status_code == 200
    assert b"data-confirm" in page.content
    assert not KpiSnapshot.objects.exists()
    response = client.post(f"/kpis/years/{year}/close/")
    assert response.status_code == 302
    snapshot = KpiSnapshot.objects.get(year=year)
    assert snapshot.closed_by == world.office
    years = client.get("/kpis/years/").content.decode()
    assert "Closed" in years
    # Recompute with a reason, shown in the history.
    response = client.post(f"/kpis/years/{year}/recompute/", {"reason": "Wrong mapping"})
    assert response.status_code == 302
    assert KpiSnapshot.objects.filter(year=year).count() == 2
    detail = client.get(f"/kpis/years/{year}/").content.decode()
    assert "Wrong mapping" in detail


def test_it_requires_a_reason_to_recompute(world: World, as_user: Any) -> None:
    year = open_year() - 1
    _close(year)
    response = as_user("office").post(f"/kpis/years/{year}/recompute/", {"reason": "  "})
    assert response.status_code == 200
    assert KpiSnapshot.objects.filter(year=year).count() == 1


PersonaSet = set[str]
OFFICE = {"office"}
ALL = {"office", "sponsor", "leader", "core", "member", "outsider", "other_leader"}


def _closed(world: World) -> int:
    year = open_year() - 1
    _close(year)
    return year


# url name -> (method, path builder, allowed personas, is_write, data)
CASES: dict[str, tuple[str, Callable[[World], str], PersonaSet, bool, dict[str, str]]] = {
    "kpi_years": ("get", lambda w: "/kpis/years/", OFFICE, False, {}),
    "kpi_year_detail": ("get", lambda w: f"/kpis/years/{open_year() - 1}/", OFFICE, False, {}),
    "kpi_year_close": ("post", lambda w: f"/kpis/years/{open_year() - 1}/close/", OFFICE, True, {}),
    "kpi_year_recompute": (
        "post",
        lambda w: f"/kpis/years/{_closed(w)}/recompute/",
        OFFICE,
        True,
        {"reason": "because"},
    ),
}


@pytest.mark.parametrize("persona", sorted(ALL | {"anonymous"}))
@pytest.mark.parametrize("name", sorted(CASES))
def test_it_allows_kpi_year_pages_to_the_office_only(
    name: str, persona: str, world: World, as_user: Any
) -> None:
    method, build, allowed, is_write, data = CASES[name]
    path = build(world)
    client = as_user(persona)
    before = db_fingerprint()
    response = getattr(client, method)(path, data)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert db_fingerprint() == before
    elif persona in allowed:
        assert response.status_code == (302 if is_write else 200)
        if is_write:
            assert db_fingerprint() != before
    else:
        assert response.status_code == 403
        assert db_fingerprint() == before


@pytest.mark.parametrize("path", ["/kpis/years/{y}/close/", "/kpis/years/{y}/"])
def test_it_shows_the_confirmation_and_detail_pages(path: str, world: World, as_user: Any) -> None:
    response = as_user("office").get(path.format(y=open_year() - 1))
    assert response.status_code == 200


def test_it_does_not_close_the_open_year_from_the_page(world: World, as_user: Any) -> None:
    response = as_user("office").post(f"/kpis/years/{open_year()}/close/")
    assert response.status_code == 302
    assert not KpiSnapshot.objects.exists()
