"""The cap of eight holds when many requests arrive at the same moment."""

from __future__ import annotations

import asyncio

from models import Application, ApplicationStatus, Membership, Role
from tests.conftest import make_group
from tests.workflow import ACCEPT, APPLY, GP_OUTCOME, apply, screen


async def test_twelve_concurrent_approvals_and_acceptances_make_exactly_eight_members(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, capacity=8)
    applicants = [await person() for _ in range(12)]
    ids = [await apply(gql, a, group) for a in applicants]
    for application_id in ids:
        await screen(gql, facilitator, application_id)

    outcomes = await asyncio.gather(
        *(
            gql(GP_OUTCOME, {"id": i, "suitable": True, "note": ""}, token=facilitator.token)
            for i in ids
        )
    )
    acceptances = await asyncio.gather(
        *(gql(ACCEPT, {"id": i}, token=a.token) for i, a in zip(ids, applicants, strict=True))
    )

    statuses = sorted(o["data"]["recordGpOutcome"]["status"] for o in outcomes)
    assert statuses == ["PLACE_OFFERED"] * 8 + ["WAITLISTED"] * 4
    joined = [a for a in acceptances if "errors" not in a]
    refused = [a["errors"][0]["extensions"]["code"] for a in acceptances if "errors" in a]
    assert len(joined) == 8
    assert refused == ["CONFLICT"] * 4
    assert await Membership.filter(group_id=group.id, ended_at=None).count() == 8
    waiting = await Application.filter(status=ApplicationStatus.WAITLISTED).count()
    assert waiting == 4


async def test_concurrent_duplicate_applications_leave_one_open(gql, person):
    group = await make_group(await person(Role.FACILITATOR))
    member = await person()

    results = await asyncio.gather(*(apply_raw(gql, member, group) for _ in range(6)))

    assert sum("errors" not in r for r in results) == 1
    assert await Application.filter(applicant_id=member.user.id).count() == 1


async def apply_raw(gql, member, group):
    return await gql(APPLY, {"group": str(group.id), "support": "Help"}, token=member.token)
