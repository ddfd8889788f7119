"""A committed step's answer is built from what its transaction read.

If the answer read the database again after the commit, a database that stopped
answering at that moment would turn a step that happened into an error, and the
client's retry into a CONFLICT. So every statement a step's request sends after its
transaction has begun is sent inside it: none comes after the commit, for the parts of
the answer the step reads itself (the application, its history and place in the
waiting list, the membership, the places left).

Statements are seen in Tortoise's own log, with the connection each was sent on: the
transaction's, or the plain one.
"""

from __future__ import annotations

import contextlib
import logging

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from models import Role
from tests.conftest import join, make_group
from tests.test_statements import hearing_statements
from tests.workflow import GP, data, soon

GROUP = "group { id name placesLeft waitingListLength }"
EVERYTHING = f"""
  id status waitingListPosition applicant {{ profileName }} {GROUP}
  history {{ status note }}
  membership {{ id endsAt {GROUP} }}
"""
MEMBERSHIP = f"id endsAt extended endedAt endReason {GROUP}"

STEPS = {
    "applyToGroup": f"""
      mutation ($group: ID!) {{
        applyToGroup(groupId: $group, supportSought: "Someone to talk to") {{ {EVERYTHING} }}
      }}""",
    "scheduleScreeningCall": f"""
      mutation ($id: ID!, $at: DateTime!) {{
        scheduleScreeningCall(applicationId: $id, at: $at) {{ {EVERYTHING} }}
      }}""",
    "recordScreeningCall": f"""
      mutation ($id: ID!, $gp: GPDetailsInput) {{
        recordScreeningCall(applicationId: $id, gpConsent: true, gpDetails: $gp, notes: "") {{
          {EVERYTHING}
        }}
      }}""",
    "recordGpOutcome": f"""
      mutation ($id: ID!) {{
        recordGpOutcome(applicationId: $id, suitable: true, note: "GP agrees.") {{ {EVERYTHING} }}
      }}""",
    "acceptPlace": f"mutation ($id: ID!) {{ acceptPlace(applicationId: $id) {{ {EVERYTHING} }} }}",
    "withdrawApplication": f"""
      mutation ($id: ID!) {{ withdrawApplication(id: $id) {{ {EVERYTHING} }} }}""",
    "extendMembership": f"""
      mutation ($id: ID!) {{ extendMembership(membershipId: $id) {{ {MEMBERSHIP} }} }}""",
    "leaveGroup": f"mutation ($id: ID!) {{ leaveGroup(membershipId: $id) {{ {MEMBERSHIP} }} }}",
}


class AfterTheCommit(logging.Handler):
    """Collects the statements sent outside a transaction once one has been used."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.in_transaction = False
        self.after: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith(("Created connection", "Closed connection")):
            return
        if isinstance(connections.get("default"), TransactionalDBClient):
            self.in_transaction = True
        elif self.in_transaction:
            self.after.append(record.getMessage())


def watching() -> contextlib.AbstractContextManager[AfterTheCommit]:
    return hearing_statements(AfterTheCommit())


async def step(gql, field: str, variables: dict, token: str) -> dict:
    """Take one step, asking for all its answer shows; it must read nothing after its commit."""
    with watching() as statements:
        answer = data(await gql(STEPS[field], variables, token=token), field)
    assert statements.in_transaction, f"{field} ran no transaction"
    assert statements.after == [], f"{field} read the database after its commit"
    return answer


async def test_the_way_into_a_group_answers_from_each_steps_own_transaction(gql, person):
    # Given a group with one place left, and two applicants
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator, capacity=2)
    await join(group, await person())
    first, second = await person(), await person()
    ids: dict[str, str] = {}

    # When each goes the whole way, the second finding the place taken
    for applicant in (first, second):
        applied = await step(gql, "applyToGroup", {"group": str(group.id)}, applicant.token)
        ids[applicant.id] = applied["id"]
        await step(
            gql, "scheduleScreeningCall", {"id": applied["id"], "at": soon()}, facilitator.token
        )
        await step(gql, "recordScreeningCall", {"id": applied["id"], "gp": GP}, facilitator.token)
        suitable = await step(gql, "recordGpOutcome", {"id": applied["id"]}, facilitator.token)
        if applicant is first:
            joined = await step(gql, "acceptPlace", {"id": applied["id"]}, applicant.token)

    # Then every answer showed the step's own outcome
    assert applied["status"] == "SUBMITTED"
    assert applied["history"][-1]["status"] == "SUBMITTED"
    assert joined["status"] == "JOINED"
    assert joined["membership"]["group"]["placesLeft"] == 0
    assert suitable["status"] == "WAITLISTED"
    assert suitable["waitingListPosition"] == 1
    assert suitable["group"]["waitingListLength"] == 1

    # And the one waiting can withdraw, answered the same way
    withdrawn = await step(gql, "withdrawApplication", {"id": ids[second.id]}, second.token)
    assert withdrawn["status"] == "WITHDRAWN"
    assert withdrawn["waitingListPosition"] is None
    assert withdrawn["group"]["waitingListLength"] == 0


async def test_a_membership_changes_answer_from_their_own_transaction(gql, person):
    # Given a member of a group
    facilitator = await person(Role.FACILITATOR)
    group = await make_group(facilitator)
    member = await person()
    membership = await join(group, member)
    places = group.capacity

    # When she extends her membership, then leaves
    extended = await step(gql, "extendMembership", {"id": str(membership.id)}, member.token)
    left = await step(gql, "leaveGroup", {"id": str(membership.id)}, member.token)

    # Then each answer showed its own change, and the place she freed
    assert extended["extended"] is True
    assert extended["group"]["placesLeft"] == places - 1
    assert left["endReason"] == "LEFT"
    assert left["group"]["placesLeft"] == places
