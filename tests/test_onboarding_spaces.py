"""trellis map-spaces: ESN space → community mappings, by source and space id or exact name."""

from __future__ import annotations

from tests.fingerprint import db_fingerprint
from tests.onboarding_helpers import export, programme_digest, run_file
from tests.personas import World
from trellis.communities.models import SpaceLink

HEADER = "source,space,community\n"


def mapping() -> dict[tuple[str, str], str]:
    return {
        (link.source, link.space): link.community.slug
        for link in SpaceLink.objects.select_related("community")
    }


def test_it_maps_spaces_by_id_or_exact_name_before_any_activity(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "map-spaces",
        HEADER
        + "viva-engage,123456789,welding\n"
        + "slack,C024BE91L,cloud\n"
        + "m365-usage,Welding Community (FR),welding\n"
        + "CSV,teams-cloud,cloud\n",
    )
    assert result.code == 0, result.err
    assert "created: 4" in result.out
    assert mapping() == {
        ("viva-engage", "123456789"): "welding",
        ("slack", "C024BE91L"): "cloud",
        ("m365-usage", "Welding Community (FR)"): "welding",
        ("csv", "teams-cloud"): "cloud",
    }


def test_it_moves_a_known_space_and_leaves_the_others(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run_file(tmp_path, "map-spaces", HEADER + "slack,C1,welding\nslack,C2,welding\n")
    result = run_file(tmp_path, "map-spaces", HEADER + "slack,C1,cloud\n")
    assert result.code == 0, result.err
    assert "created: 0, updated: 1, unchanged: 0" in result.out
    assert mapping() == {("slack", "C1"): "cloud", ("slack", "C2"): "welding"}


def test_it_keeps_the_url_and_round_trips_it(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_file(
        tmp_path,
        "map-spaces",
        "source,space,community,url\nslack,C1,welding,https://example.slack.com/archives/C1\n",
    )
    assert result.code == 0, result.err
    assert SpaceLink.objects.get().url == "https://example.slack.com/archives/C1"
    # A file without the url column leaves it as it is.
    result = run_file(tmp_path, "map-spaces", HEADER + "slack,C1,welding\n")
    assert "unchanged: 1" in result.out
    assert SpaceLink.objects.get().url == "https://example.slack.com/archives/C1"


BAD_ROWS = [
    ("slack,C1,welding", None),
    ("teams,T1,welding", "Unknown source “teams”"),
    ("slack,C2,nowhere", "No community has the slug “nowhere”"),
    ("slack,,welding", "The space is empty"),
    ("slack,C1,welding", "This row repeats line 2."),
    ("slack,C1,cloud", "Line 2 already gives a mapping of this space"),
]


def test_it_rejects_every_bad_row_with_its_line_and_applies_nothing(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = db_fingerprint()
    result = run_file(tmp_path, "map-spaces", HEADER + "\n".join(r for r, _ in BAD_ROWS) + "\n")
    assert result.code == 1
    errors = result.err.splitlines()
    for line, (_row, reason) in enumerate(BAD_ROWS, start=2):
        found = [m for m in errors if m.startswith(f"line {line}: ")]
        if reason is None:
            assert not found
        else:
            assert found and reason in found[0], (line, found)
    assert db_fingerprint() == before


def test_it_changes_nothing_the_second_time_or_on_a_dry_run(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    content = HEADER + "slack,C1,welding\nviva-engage,42,cloud\n"
    before = db_fingerprint()
    assert run_file(tmp_path, "map-spaces", content, "--dry-run").code == 0
    assert db_fingerprint() == before
    assert run_file(tmp_path, "map-spaces", content).code == 0
    digest = programme_digest()
    result = run_file(tmp_path, "map-spaces", content)
    assert "created: 0, updated: 0, unchanged: 2, rejected: 0" in result.out
    assert programme_digest() == digest
    assert export("spaces").decode().splitlines()[1:] == [
        "slack,C1,welding,",
        "viva-engage,42,cloud,",
    ]


def test_it_moves_an_already_imported_space_to_its_new_community(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trellis.activity.models import Space

    space = Space.objects.create(source="slack", external_id="C024BE91L", name="cloud-sec")
    result = run_file(tmp_path, "map-spaces", HEADER + "slack,C024BE91L,cloud\n")
    assert result.code == 0, result.err
    space.refresh_from_db()
    assert space.community == world.cloud
    # By exact name as well, and a remap moves it.
    run_file(tmp_path, "map-spaces", HEADER + "slack,cloud-sec,welding\n", name="again.csv")
    run_file(tmp_path, "map-spaces", HEADER + "slack,C024BE91L,welding\n", name="third.csv")
    space.refresh_from_db()
    assert space.community == world.welding
