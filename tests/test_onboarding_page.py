"""The import page: upload, preview (new, changed, unchanged, errors), apply the previewed file."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.fingerprint import db_fingerprint
from tests.personas import World
from trellis.communities.models import Community, Membership
from trellis.core.models import AuditEntry
from trellis.lib.safe_export import write_xlsx

COMMUNITIES = (
    b"slug,name,stage,launched\n"
    b"robotics,Robotics,active,2024-03-01\n"
    b"welding,Welding and joining,active,2020-01-01\n"
    b"cloud,Cloud security,active,2021-06-01\n"
)


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


def upload(kind: str, data: bytes, name: str = "", **options: bool) -> dict[str, object]:
    file = SimpleUploadedFile(name or f"{kind}.csv", data)
    return {"kind": kind, "file": file, **{k: "on" for k, v in options.items() if v}}


def token_of(response) -> str | None:  # type: ignore[no-untyped-def]
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def test_it_shows_the_form_and_the_export_links(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    html = as_user("office").get("/programme/import/").content.decode()
    for kind in ("communities", "memberships", "spaces"):
        assert f'href="/programme/export/{kind}.csv"' in html
    assert 'name="file"' in html and 'name="kind"' in html and 'name="sync"' in html


def test_it_previews_without_changing_anything_then_applies(
    world: World, as_user, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    before = db_fingerprint()
    response = client.post("/programme/import/", upload("communities", COMMUNITIES))
    assert response.status_code == 200
    html = response.content.decode()
    assert db_fingerprint() == before
    report = response.context["report"]
    assert (report.created.count, report.updated.count, report.unchanged.count) == (1, 1, 1)
    assert "robotics" in html
    assert "Welding and joining" in html  # the change is shown, old → new
    token = token_of(response)
    assert token
    digest = hashlib.sha256(COMMUNITIES).hexdigest()
    assert (tmp_path / "uploads" / digest).read_bytes() == COMMUNITIES

    response = client.post("/programme/import/", {"token": token})
    assert response.status_code == 302
    assert Community.objects.get(slug="robotics").launched is not None
    assert Community.objects.get(slug="welding").name == "Welding and joining"
    entry = AuditEntry.objects.get(action="communities.import")
    assert entry.changes["sha256"] == digest
    assert entry.actor == world.office
    assert not (tmp_path / "uploads" / digest).exists()
    page = client.get(response["Location"]).content.decode()
    assert "created: 1, updated: 1, unchanged: 1" in page


def test_it_lists_errors_with_line_and_reason_and_offers_no_apply(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    data = b"slug,name,stage\nok,Fine,active\nbad,Bad,actif\n"
    client = as_user("office")  # logging in writes last_login: before the fingerprint
    before = db_fingerprint()
    response = client.post("/programme/import/", upload("communities", data))
    html = response.content.decode()
    assert "Unknown stage “actif”" in html
    assert re.search(r'<td class="num">3</td><td>Unknown stage', html)
    assert token_of(response) is None
    assert db_fingerprint() == before


def test_it_reports_an_unreadable_file(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").post(
        "/programme/import/", upload("spaces", b"source,community\nslack,welding\n")
    )
    assert "Missing required column: space." in response.content.decode()
    assert token_of(response) is None


def test_it_refuses_other_file_types(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("office").post(
        "/programme/import/", upload("communities", COMMUNITIES, name="communities.pdf")
    )
    assert "Upload a .csv or .xlsx file." in response.content.decode()


def test_it_applies_only_the_previewed_bytes(world: World, as_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    token = token_of(client.post("/programme/import/", upload("communities", COMMUNITIES)))
    assert token
    # The kept file is altered on disk: its hash no longer matches, nothing is applied.
    stored = tmp_path / "uploads" / hashlib.sha256(COMMUNITIES).hexdigest()
    stored.write_bytes(COMMUNITIES.replace(b"Robotics", b"Hijacked"))
    before = db_fingerprint()
    response = client.post("/programme/import/", {"token": token}, follow=True)
    assert "no longer available" in response.content.decode()
    assert db_fingerprint() == before


def test_it_refuses_a_forged_token(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    token = token_of(client.post("/programme/import/", upload("communities", COMMUNITIES)))
    assert token
    before = db_fingerprint()
    response = client.post("/programme/import/", {"token": token[:-2] + "xx"}, follow=True)
    assert "no longer available" in response.content.decode()
    assert db_fingerprint() == before


def test_it_accepts_xlsx(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    data = write_xlsx(
        [["slack", "C42", "welding"], ["viva-engage", 123456, "cloud"]],
        ["source", "space", "community"],
    )
    client = as_user("office")
    response = client.post("/programme/import/", upload("spaces", data, name="spaces.xlsx"))
    assert response.context["report"].created.count == 2
    client.post("/programme/import/", {"token": token_of(response)})
    assert world.cloud.spaces.get().space == "123456"


def test_it_syncs_memberships_when_the_box_is_ticked(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    data = b"email,community,role,joined,left\nleader@example.com,welding,leader,2022-01-01,\n"
    client = as_user("office")
    response = client.post("/programme/import/", upload("memberships", data, sync=True))
    assert response.context["report"].ended.count == 3
    assert "will end today" in response.content.decode()
    client.post("/programme/import/", {"token": token_of(response)})
    ended = Membership.objects.filter(community=world.welding, left=timezone.localdate())
    assert ended.count() == 3
    assert Membership.objects.filter(community=world.cloud, left__isnull=True).count() == 1


def test_it_reports_rows_rejected_at_apply_time(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    data = b"source,space,community\nslack,C1,welding\n"
    client = as_user("office")
    token = token_of(client.post("/programme/import/", upload("spaces", data)))
    Community.objects.filter(slug="welding").delete()  # the programme changed meanwhile
    response = client.post("/programme/import/", {"token": token})
    assert response.status_code == 200
    assert "No community has the slug “welding”" in response.content.decode()
    assert not AuditEntry.objects.filter(action="spaces.import").exists()


def test_it_downloads_the_same_csv_as_the_command(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    from tests.onboarding_helpers import export

    for kind in ("communities", "memberships", "spaces"):
        response = as_user("office").get(f"/programme/export/{kind}.csv")
        assert response.content == export(kind)


def test_it_renders_the_page_and_a_preview_in_both_languages(world: World, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("office")
    for lang in ("en", "fr"):
        client.cookies["django_language"] = lang
        response = client.get("/programme/import/")
        assert response.status_code == 200
        assert f'lang="{lang}"' in response.content.decode()
        response = client.post("/programme/import/", upload("communities", COMMUNITIES))
        assert response.status_code == 200
        assert f'lang="{lang}"' in response.content.decode()
