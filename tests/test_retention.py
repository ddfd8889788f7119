"""GP details kept two years past a profile's last use, then erased; closing a profile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Application, ApplicationStatus, AuditEntry, Membership, RefreshToken, Role, User
from resolvers.retention import do_purge_expired
from tests.conftest import make_group
from tests.workflow import apply, code, data, join_through_the_front_door, screen

LONG_AGO = datetime.now(UTC) - timedelta(days=2 * 365 + 1)
RECENTLY = datetime.now(UTC) - timedelta(days=2 * 365 - 1)


async def screened_applicant(gql, person, facilitator, group, **profile):
    member = await person()
    application_id = await apply(gql, member, group)
    await screen(gql, facilitator, application_id)
    await User.filter(id=member.user.id).update(**profile)
    return int(application_id)


async def test_purge_erases_exactly_the_expired_details(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    closed_long_ago = await screened_applicant(gql, person, facilitator, group, closed_at=LONG_AGO)
    idle_long = await screened_applicant(
        gql, person, facilitator, group, last_signed_in_at=LONG_AGO, created_at=LONG_AGO
    )
    closed_recently = await screened_applicant(gql, person, facilitator, group, closed_at=RECENTLY)
    active = await screened_applicant(
        gql, person, facilitator, group, last_signed_in_at=datetime.now(UTC)
    )

    preview = await do_purge_expired(dry_run=True)
    assert await Application.filter(gp_details__isnull=False).count() == 4
    report = await do_purge_expired()

    erased = sorted(i for e in report for i in e.application_ids)
    assert erased == sorted([closed_long_ago, idle_long])
    assert preview == report
    kept = await Application.filter(gp_details__isnull=False).values_list("id", flat=True)
    assert sorted(kept) == sorted([closed_recently, active])
    assert await AuditEntry.filter(action="GP_DETAILS_ERASED").count() == 2
    assert await do_purge_expired() == []


async def test_closing_a_profile_ends_its_memberships_and_applications(gql, person):
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    other_group = await make_group(facilitator, name="Other group")
    member = await person()
    await join_through_the_front_door(gql, facilitator, member, group)
    pending = await apply(gql, member, other_group)

    result = await gql("mutation { closeProfile }", token=member.token)

    assert data(result, "closeProfile") is True
    user = await User.get(id=member.user.id)
    assert user.closed_at is not None
    assert await Membership.filter(user_id=user.id, ended_at=None).count() == 0
    assert (await Application.get(id=pending)).status == ApplicationStatus.WITHDRAWN
    assert await RefreshToken.filter(user_id=user.id, revoked_at=None).count() == 0
    login = await gql(
        'mutation ($e: String!) { login(email: $e, password: "correct horse battery") '
        "{ accessToken } }",
        {"e": user.email},
    )
    assert code(login) == "UNAUTHENTICATED"


async def test_purge_erases_the_former_name_of_a_profile_closed_long_ago(person):
    long_closed, recently_closed = await person(), await person()
    for member, closed_at in ((long_closed, LONG_AGO), (recently_closed, RECENTLY)):
        await User.filter(id=member.user.id).update(
            closed_at=closed_at, former_name=member.user.profile_name
        )

    await do_purge_expired(dry_run=True)
    assert await User.filter(former_name__isnull=False).count() == 2
    await do_purge_expired()

    assert (await User.get(id=long_closed.user.id)).former_name is None
    assert (await User.get(id=recently_closed.user.id)).former_name == (
        recently_closed.user.profile_name
    )
