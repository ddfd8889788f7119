"""Demo data for a laptop: an online manager, two facilitators, a specialist, members,
four groups, and what there is beside them (Conversations, a specialist group, a centre).

Seeded once: a second run finds the demo manager and only prints the sign-ins.
The passwords are public, which is why ``haven seed-demo`` refuses production.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from models import (
    Centre,
    Group,
    Membership,
    Need,
    Role,
    SpecialistGroup,
    SpecialistSeat,
    TopicCategory,
    User,
    Weekday,
)
from resolvers.accounts import do_create_user
from resolvers.sessions import ensure_upcoming

PASSWORD = "haven-demo-2026"
TERM = timedelta(weeks=12)

NEEDS = {
    "Living with cancer": "For people who have cancer now.",
    "Caring for someone": "For partners, family and friends caring for someone with cancer.",
    "After treatment": "For people whose treatment has ended and who are finding their way.",
    "Bereavement": "For people who have lost someone to cancer.",
}

PEOPLE = [
    ("manager@haven.example", "Online Manager", Role.ONLINE_MANAGER, None),
    ("ruth@haven.example", "Dr Ruth Ellis", Role.FACILITATOR, "BPS-204815"),
    ("omar@haven.example", "Dr Omar Haddad", Role.FACILITATOR, "BPS-317042"),
    ("anna@haven.example", "Anna K", Role.MEMBER, None),
    ("ben@haven.example", "Ben T", Role.MEMBER, None),
    ("chloe@haven.example", "Chloe", Role.MEMBER, None),
    ("dev@haven.example", "Dev P", Role.MEMBER, None),
    ("ellen@haven.example", "Ellen M", Role.MEMBER, None),
    ("sam@haven.example", "Sam Adviser", Role.SPECIALIST, None),
]
CATEGORIES = {
    "Living with it": "Day to day: tiredness, work, family, feelings.",
    "Treatment": "What to expect, and how others got through it.",
}

GROUPS = [
    ("Tuesday evening group", "Living with cancer", 1, Weekday.TUESDAY, time(19, 0)),
    ("Carers' Thursday group", "Caring for someone", 1, Weekday.THURSDAY, time(18, 30)),
    ("Moving on", "After treatment", 2, Weekday.MONDAY, time(12, 0)),
    ("Remembering together", "Bereavement", 2, Weekday.WEDNESDAY, time(19, 30)),
]

MEMBERS = {"Tuesday evening group": ["Anna K", "Ben T", "Chloe"], "Moving on": ["Dev P"]}


async def seed_demo_data() -> None:
    if not await User.filter(email=PEOPLE[0][0]).exists():
        await _seed()
        print("demo data seeded")
    print(f"demo sign-ins (password for all: {PASSWORD}):")
    for email, name, role, _ in PEOPLE:
        print(f"  {role.value:<15} {name:<16} {email}")


async def _seed() -> None:
    needs = {
        name: (await Need.get_or_create(name=name, defaults={"description": text}))[0]
        for name, text in NEEDS.items()
    }
    people = {
        name: await do_create_user(email, PASSWORD, name, role, bps)
        for email, name, role, bps in PEOPLE
    }
    facilitators = [people["Dr Ruth Ellis"], people["Dr Omar Haddad"]]
    now = datetime.now(UTC)
    for name, need, facilitator, weekday, start in GROUPS:
        group = await Group.create(
            name=name,
            need=needs[need],
            description=f"A weekly group for people {NEEDS[need][4:].rstrip('.')}.",
            facilitator=facilitators[facilitator - 1],
            weekday=int(weekday),
            start_minute=start.hour * 60 + start.minute,
        )
        await ensure_upcoming([group])
        for member in MEMBERS.get(name, []):
            await Membership.create(
                group=group, user=people[member], starts_at=now, ends_at=now + TERM
            )
    for name, text in CATEGORIES.items():
        await TopicCategory.create(name=name, description=text)
    benefits = await SpecialistGroup.create(
        name="Benefits and money", description="Sick pay, grants, travel costs, work."
    )
    await SpecialistSeat.create(group=benefits, specialist=people["Sam Adviser"])
    await Centre.create(
        name="Leeds centre",
        address="1 Park Row, Leeds LS1 5HD",
        phone="0113 496 0500",
        opening_hours="Monday to Friday, 9:30 to 17:00",
    )
