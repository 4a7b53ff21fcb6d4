"""Community pages: catalogue, lifecycle, memberships, charter and objectives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.personas import World
from trellis.communities.models import CharterVersion, Community, Membership, Objective, StageChange
from trellis.core.models import AuditEntry
from trellis.people.models import BusinessUnit, Person

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def names_in(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.name for c in response.context["page"].object_list]


class TestCatalogue:
    def test_it_lists_every_community_with_its_member_count(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("outsider").get("/communities/")
        counts = {c.slug: c.member_count for c in response.context["page"].object_list}
        assert counts == {
            "welding": Membership.objects.filter(
                community=world.welding, left__isnull=True
            ).count(),
            "cloud": Membership.objects.filter(community=world.cloud, left__isnull=True).count(),
        }

    def test_it_searches_name_purpose_and_tags(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("outsider")
        assert names_in(client.get("/communities/?q=weld")) == ["Welding"]
        assert names_in(client.get("/communities/?q=workloads")) == ["Cloud security"]
        world.cloud.tags.create(name="zero-trust")
        assert names_in(client.get("/communities/?q=zero")) == ["Cloud security"]
        assert names_in(client.get("/communities/?q=nothing-like-this")) == []

    def test_it_filters_by_stage_business_unit_tag_and_language(
        self, world: World, as_user
    ) -> None:  # type: ignore[no-untyped-def]
        client = as_user("outsider")
        Community.objects.filter(pk=world.cloud.pk).update(stage="dormant")
        assert names_in(client.get("/communities/?stage=dormant")) == ["Cloud security"]
        it = BusinessUnit.objects.get(name="IT")
        assert names_in(client.get(f"/communities/?business_unit={it.pk}")) == ["Cloud security"]
        world.welding.tags.create(name="safety")
        assert names_in(client.get("/communities/?tag=safety")) == ["Welding"]
        assert names_in(client.get("/communities/?language=fr")) == ["Welding"]
        assert names_in(client.get("/communities/?language=en")) == ["Cloud security", "Welding"]

    def test_it_answers_htmx_with_the_results_only(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("outsider").get("/communities/?q=weld", HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert "Welding" in body and "<html" not in body

    def test_it_shows_an_empty_state(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("outsider").get("/communities/?q=zzzz")
        assert "No community matches these filters." in response.content.decode()


class TestLifecycle:
    def test_it_creates_a_community_with_its_first_stage(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("office").post(
            "/communities/new/",
            {
                "name": "Lean",
                "slug": "lean",
                "purpose": "Lean practices",
                "tags": "lean, kaizen",
                "languages": ["fr"],
            },
        )
        assert response.status_code == 302
        lean = Community.objects.get(slug="lean")
        assert lean.stage == "proposed"
        assert sorted(lean.tags.values_list("name", flat=True)) == ["kaizen", "lean"]
        assert list(lean.stage_history.values_list("stage", flat=True)) == ["proposed"]
        assert AuditEntry.objects.filter(action="community.create", object_id=str(lean.pk)).exists()

    def test_it_refuses_a_taken_slug_with_a_message_in_french(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("office")
        client.cookies["django_language"] = "fr"
        response = client.post("/communities/new/", {"name": "Soudure", "slug": "welding"})
        assert response.status_code == 200
        assert "Une autre communauté utilise déjà ce nom court." in response.content.decode()
        assert Community.objects.count() == 2

    def test_it_moves_through_stages_with_dated_history(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("office")
        lean = Community.objects.create(name="Lean", slug="lean")
        for stage, day in [
            ("incubating", "2026-02-01"),
            ("active", "2026-03-01"),
            ("closed", "2026-09-30"),
        ]:
            response = client.post(
                "/communities/lean/stage/", {"stage": stage, "on": day, "note": ""}
            )
            assert response.status_code == 302
        lean.refresh_from_db()
        assert (lean.stage, lean.launched, lean.closed) == (
            "closed",
            dt.date(2026, 3, 1),
            dt.date(2026, 9, 30),
        )
        assert list(StageChange.objects.filter(community=lean).values_list("stage", "on")) == [
            ("incubating", dt.date(2026, 2, 1)),
            ("active", dt.date(2026, 3, 1)),
            ("closed", dt.date(2026, 9, 30)),
        ]
        assert AuditEntry.objects.filter(action="community.stage").count() == 3

    def test_it_refuses_closing_before_launch(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("office").post(
            "/communities/welding/stage/", {"stage": "closed", "on": "2019-01-01", "note": ""}
        )
        assert response.status_code == 200
        world.welding.refresh_from_db()
        assert world.welding.stage == "active"

    def test_it_lets_a_leader_edit_but_not_rename_the_address(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("leader").post(
            "/communities/welding/edit/",
            {
                "name": "Welding & joining",
                "slug": "hacked",
                "purpose": "All joining",
                "tags": "arc",
            },
        )
        assert response.status_code == 302
        world.welding.refresh_from_db()
        assert (world.welding.name, world.welding.slug) == ("Welding & joining", "welding")
        entry = AuditEntry.objects.get(action="community.update")
        assert entry.changes["name"] == ["Welding", "Welding & joining"]
        assert entry.actor == world.leader


class TestMemberships:
    def test_it_lets_an_employee_join_and_leave(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("outsider")
        client.post("/communities/welding/join/")
        membership = Membership.objects.get(person=world.outsider.person, community=world.welding)
        assert (membership.role, membership.left) == ("member", None)
        client.post("/communities/welding/leave/")
        membership.refresh_from_db()
        assert membership.left == timezone.localdate()
        # Joining again starts a new membership; the history keeps the old one.
        client.post("/communities/welding/join/")
        assert (
            Membership.objects.filter(person=world.outsider.person, community=world.welding).count()
            == 2
        )

    def test_it_refuses_to_join_a_closed_community(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        Community.objects.filter(pk=world.cloud.pk).update(stage="closed")
        as_user("outsider").post("/communities/cloud/join/")
        assert not Membership.objects.filter(person=world.outsider.person).exists()

    def test_it_lets_a_leader_add_change_and_remove_members(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("leader")
        response = client.post(
            "/communities/welding/members/add/",
            {"email": "OUTSIDER@example.com", "role": "core team"},
        )
        assert response.status_code == 302
        added = Membership.objects.get(person=world.outsider.person, community=world.welding)
        assert added.role == "core team"
        client.post(f"/communities/welding/members/{added.pk}/role/", {"role": "co-leader"})
        added.refresh_from_db()
        assert added.role == "co-leader"
        client.post(f"/communities/welding/members/{added.pk}/remove/")
        added.refresh_from_db()
        assert added.left is not None
        actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
        assert actions == ["membership.add", "membership.role", "membership.end"]

    def test_it_rejects_an_unknown_email_next_to_the_field(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = as_user("leader").post(
            "/communities/welding/members/add/", {"email": "nobody@example.com", "role": "member"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["email"] == [
            "Nobody with this e-mail is in the directory."
        ]

    def test_it_keeps_sponsors_for_the_programme_office(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("leader")
        member = Membership.objects.get(person=world.member.person)
        client.post(f"/communities/welding/members/{member.pk}/role/", {"role": "sponsor"})
        member.refresh_from_db()
        assert member.role == "member"
        sponsor = Membership.objects.get(person=world.sponsor.person)
        assert client.post(f"/communities/welding/members/{sponsor.pk}/remove/").status_code == 403


class TestCharter:
    def post_charter(self, client, **texts: str):  # type: ignore[no-untyped-def]
        data = {
            "year": YEAR,
            "purpose": "",
            "scope": "",
            "audience": "",
            "participation_rules": "",
            "activities": "",
            "roles": "",
        } | texts
        return client.post("/communities/welding/charter/edit/", data)

    def test_it_saves_each_edit_as_a_new_version_with_a_diff(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("leader")
        self.post_charter(client, purpose="Share welding practice", scope="Arc welding")
        self.post_charter(client, purpose="Share welding practice", scope="Arc and laser welding")
        self.post_charter(client, purpose="Share welding practice", scope="Arc and laser welding")
        versions = list(CharterVersion.objects.filter(community=world.welding).order_by("version"))
        assert [v.version for v in versions] == [1, 2]
        page = client.get(f"/communities/welding/charter/{versions[1].pk}/").content.decode()
        assert "Arc and laser welding" in page and "Arc welding" in page
        assert page.index('class="del"') < page.index('class="add"')

    def test_it_lets_the_sponsor_approve_only_the_latest_version(
        self, world: World, as_user
    ) -> None:  # type: ignore[no-untyped-def]
        leader = as_user("leader")
        self.post_charter(leader, purpose="v1")
        self.post_charter(leader, purpose="v2")
        v1, v2 = CharterVersion.objects.order_by("version")
        sponsor = as_user("sponsor")
        sponsor.post(f"/communities/welding/charter/{v1.pk}/approve/")
        v1.refresh_from_db()
        assert v1.approved_on is None
        sponsor.post(f"/communities/welding/charter/{v2.pk}/approve/")
        v2.refresh_from_db()
        assert v2.approved_on == timezone.localdate()
        assert v2.approved_by == world.sponsor.person
        home = sponsor.get("/").content.decode()
        assert "Approve the" not in home

    def test_it_tells_the_sponsor_a_charter_awaits_approval(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        self.post_charter(as_user("leader"), purpose="v1")
        home = as_user("sponsor").get("/").content.decode()
        assert f"Approve the {YEAR} charter of Welding" in home

    def test_it_rejects_a_year_out_of_range(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        response = self.post_charter(as_user("leader"), year=1990, purpose="x")
        assert response.status_code == 200
        assert "year" in response.context["form"].errors
        assert not CharterVersion.objects.exists()


class TestObjectives:
    def test_it_adds_edits_and_deletes_objectives(self, world: World, as_user) -> None:  # type: ignore[no-untyped-def]
        client = as_user("leader")
        client.post(
            "/communities/welding/objectives/new/",
            {
                "year": YEAR,
                "title": "Run 6 webinars",
                "indicator": "webinars",
                "target": "6",
                "result": "",
                "status": "planned",
            },
        )
        objective = Objective.objects.get()
        page = client.get("/communities/welding/").content.decode()
        assert "Run 6 webinars" in page
        client.post(
            f"/communities/welding/objectives/{objective.pk}/edit/",
            {
                "year": YEAR,
                "title": "Run 6 webinars",
                "indicator": "webinars",
                "target": "6",
                "result": "7",
                "status": "met",
            },
        )
        objective.refresh_from_db()
        assert (objective.result, objective.status) == ("7", "met")
        client.post(f"/communities/welding/objectives/{objective.pk}/delete/")
        assert not Objective.objects.exists()
        assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
            "objective.create",
            "objective.update",
            "objective.delete",
        ]

    def test_it_requires_a_title_with_the_message_in_the_users_language(
        self, world: World, as_user
    ) -> None:  # type: ignore[no-untyped-def]
        person = Person.objects.get(user=world.leader)
        person.language = "fr"
        person.save()
        response = as_user("leader").post(
            "/communities/welding/objectives/new/", {"year": YEAR, "title": "", "status": "planned"}
        )
        assert response.context["form"].errors["title"] == ["Ce champ est obligatoire."]
