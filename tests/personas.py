"""Named personas for tests: a small world with one of each kind of user.

world.office   programme office (group "programme office", staff)
world.sponsor  sponsor of `welding`
world.leader   leader of `welding`
world.core     core team member of `welding`
world.member   member of `welding`
world.outsider an employee with no membership (a login and a person)
Communities: `welding` (active) and `cloud` (active, led by `other_leader`).
All passwords are PASSWORD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, User

from trellis.communities.models import Community, Membership, Role, Stage
from trellis.core.access import PROGRAMME_OFFICE_GROUP
from trellis.people.models import BusinessUnit, Person

PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class World:
    office: User
    sponsor: User
    leader: User
    core: User
    member: User
    outsider: User
    other_leader: User
    welding: Community
    cloud: Community

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


def make_person(
    username: str, name: str, *, bu: BusinessUnit | None = None, language: str = "en"
) -> User:
    user = User.objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD
    )
    Person.objects.create(
        name=name, email=f"{username}@example.com", user=user, business_unit=bu, language=language
    )
    return user


def make_world() -> World:
    ops = BusinessUnit.objects.create(name="Operations")
    it = BusinessUnit.objects.create(name="IT")
    office = make_person("office", "Olivia Office")
    office.is_staff = True
    office.save()
    group, _ = Group.objects.get_or_create(name=PROGRAMME_OFFICE_GROUP)
    office.groups.add(group)
    welding = Community.objects.create(
        name="Welding",
        slug="welding",
        stage=Stage.ACTIVE,
        launched=dt.date(2020, 1, 1),
        purpose="Welding practices",
        languages="en|fr",
    )
    welding.business_units.add(ops)
    cloud = Community.objects.create(
        name="Cloud security",
        slug="cloud",
        stage=Stage.ACTIVE,
        launched=dt.date(2021, 6, 1),
        purpose="Securing cloud workloads",
        languages="en",
    )
    cloud.business_units.add(it)
    users = {}
    for username, name, role, community in [
        ("sponsor", "Sam Sponsor", Role.SPONSOR, welding),
        ("leader", "Lea Leader", Role.LEADER, welding),
        ("core", "Cory Core", Role.CORE_TEAM, welding),
        ("member", "Mia Member", Role.MEMBER, welding),
        ("other_leader", "Otto Other", Role.LEADER, cloud),
    ]:
        users[username] = make_person(username, name, bu=ops)
        Membership.objects.create(
            person=users[username].person,
            community=community,
            role=role,
            joined=dt.date(2022, 1, 1),
        )
    outsider = make_person("outsider", "Oscar Outsider", bu=it)
    return World(
        office=office,
        outsider=outsider,
        welding=welding,
        cloud=cloud,
        **users,
    )
