"""Bad input on stories: attachments checked by content, size and emptiness; HTML and
script in every text field shown as text; bad links and unknown contributors refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.fingerprint import db_fingerprint
from tests.personas import World
from tests.story_helpers import JPEG, PDF, PNG, hours, make_story, ooxml
from trellis.stories.models import Attachment, Status, Story
from trellis.stories.services import STORY_FIELDS

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _upload(client: Client, story: Story, name: str, data: bytes) -> str:
    response = client.post(
        f"/stories/{story.pk}/files/", {"file": SimpleUploadedFile(name, data)}, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("proof.pdf", PDF),
        ("chart.png", PNG),
        ("photo.jpg", JPEG),
        ("photo.JPEG", JPEG),
        ("report.docx", ooxml("word")),
        ("figures.xlsx", ooxml("xl")),
        ("slides.pptx", ooxml("ppt")),
        ("notes.txt", "Économies: 12 h".encode()),
    ],
)
def test_it_accepts_each_allowed_type(name: str, data: bytes, world: World, as_user: Any) -> None:
    story = make_story(world)
    page = _upload(as_user("member"), story, name, data)
    assert "File attached." in page
    attachment = Attachment.objects.get()
    assert attachment.name == name and attachment.size == len(data)
    download = as_user("leader").get(f"/stories/{story.pk}/files/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data  # type: ignore[attr-defined]
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("fake.pdf", PNG, "is not a PDF file"),
        ("fake.png", PDF, "is not a PNG file"),
        ("fake.jpg", b"GIF89a" + b"\x00" * 10, "is not a JPG file"),
        ("fake.docx", ooxml("xl"), "is not a DOCX file"),
        ("fake.xlsx", b"PK\x03\x04 truncated zip", "is not a XLSX file"),
        ("fake.txt", PDF, "is not a TXT file"),
        ("binary.txt", b"abc\x00def", "is not a TXT file"),
        ("latin1.txt", "café".encode("latin-1"), "is not a TXT file"),
        ("page.html", b"<html></html>", "this type of file is not accepted"),
        ("tool.exe", b"MZ\x90\x00", "this type of file is not accepted"),
        ("noextension", PDF, "this type of file is not accepted"),
        ("empty.pdf", b"", "empty.pdf is empty"),
    ],
)
def test_it_refuses_bad_files_and_stores_nothing(
    name: str, data: bytes, message: str, world: World, as_user: Any
) -> None:
    story = make_story(world)
    client = as_user("member")
    before = db_fingerprint()
    page = _upload(client, story, name, data)
    assert message in page
    assert db_fingerprint() == before


def test_it_refuses_a_file_over_the_limit(world: World, as_user: Any, settings: Any) -> None:
    settings.STORY_ATTACHMENT_MAX_BYTES = 1000
    story = make_story(world)
    client = as_user("member")
    before = db_fingerprint()
    page = _upload(client, story, "big.pdf", PDF + b"0" * 1000)
    assert "big.pdf is too large: the limit is 1000\xa0bytes." in page
    assert db_fingerprint() == before
    assert "File attached." in _upload(client, story, "small.pdf", PDF)


def test_a_file_name_never_becomes_a_path(world: World, as_user: Any) -> None:
    story = make_story(world)
    _upload(as_user("member"), story, "../../etc/passwd.txt", b"hello")
    attachment = Attachment.objects.get()
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    assert attachment.file.name == f"stories/{story.pk}/{attachment.sha256}"


def test_every_text_field_is_shown_as_text(world: World, as_user: Any) -> None:
    fields = {name: SCRIPT for name in STORY_FIELDS if name not in ("cycles", "year")}
    fields.pop("evidence_links")
    story = make_story(world, benefits=[{**hours(3), "method": SCRIPT, "unit": SCRIPT[:20]}])
    Story.objects.filter(pk=story.pk).update(**fields)
    client = as_user("member")
    story.tags.create(name=SCRIPT[:100])
    client.post(f"/stories/{story.pk}/submit/")
    as_user("leader").post(f"/stories/{story.pk}/comment/", {"text": SCRIPT})
    for persona in ("member", "leader"):
        for path in (f"/stories/{story.pk}/", "/stories/review/"):
            page = as_user(persona).get(path).content.decode()
            assert "<script>alert" not in page and "<img src=x" not in page, path
    page = as_user("member").get(f"/stories/{story.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_form_refuses_bad_links_and_unknown_people(world: World, as_user: Any) -> None:
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(
        "/stories/new/",
        {
            "title": "T",
            "summary": "S",
            "communities": [world.welding.pk],
            "year": "2026",
            "context": "C",
            "community_action": "A",
            "evidence_links": "javascript:alert(1)\nhttps://ok.example.com",
            "contributors": "nobody@example.com",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not in the directory: nobody@example.com." in page
    assert db_fingerprint() == before
    response = client.post(
        "/stories/new/",
        {
            "title": "T",
            "summary": "S",
            "communities": [world.welding.pk],
            "year": "2026",
            "context": "C",
            "community_action": "A",
            "evidence_links": "javascript:alert(1)",
        },
    )
    assert "is not a web address" in response.content.decode()
    assert db_fingerprint() == before


def test_a_story_without_cycles_cannot_be_submitted(world: World, as_user: Any) -> None:
    story = make_story(world, cycles="")
    client = as_user("member")
    before = db_fingerprint()
    page = client.post(f"/stories/{story.pk}/submit/", follow=True).content.decode()
    assert "Say which value cycles the story reaches before submitting." in page
    assert db_fingerprint() == before


def test_a_benefit_needs_a_positive_amount_and_a_method(world: World, as_user: Any) -> None:
    story = make_story(world)
    client = as_user("member")
    before = db_fingerprint()
    response = client.post(
        f"/stories/{story.pk}/benefits/new/",
        {
            "kind": "revenue",
            "amount": "-5",
            "unit": "other",
            "period": "year",
            "confidence": "estimated",
            "method": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Say which unit." in page
    assert db_fingerprint() == before


def test_nothing_is_editable_once_submitted(world: World, as_user: Any) -> None:
    story = make_story(world, status=Status.SUBMITTED, benefits=[hours(1)])
    client = as_user("member")
    before = db_fingerprint()
    assert client.get(f"/stories/{story.pk}/edit/").status_code == 403
    assert (
        client.post(
            f"/stories/{story.pk}/files/", {"file": SimpleUploadedFile("a.pdf", PDF)}
        ).status_code
        == 403
    )
    benefit = story.benefits.get()
    assert client.post(f"/stories/{story.pk}/benefits/{benefit.pk}/delete/").status_code == 403
    assert db_fingerprint() == before
