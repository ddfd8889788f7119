"""The tabs a facilitator's GraphiQL opens with: her week's work, one named operation each.

Each tab's variables are filled by the page once she signs in (``static/haven.js``): a
variable's ``fill`` names what of hers goes there, so nobody copies an id by hand or
types a UTC offset. ``tests/test_graphiql.py`` checks every document against the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What the page can fill a variable with, from the signed-in person's own records.
FILLS = {
    "group": "the first group she facilitates (or belongs to)",
    "session": "that group's live session, else its next one",
    "ended_session": "that group's latest ended session",
    "application": "the oldest application awaiting a screening call",
    "call_times": "two working-day times from the day after tomorrow, London time",
    "week_start": "Monday 00:00 of this week, London time",
    "week_end": "Monday 00:00 of next week, London time",
}


@dataclass(frozen=True)
class Tab:
    title: str
    document: str
    fills: dict[str, str] = field(default_factory=dict)  # variable → one of FILLS

    def as_json(self) -> dict[str, object]:
        return {"title": self.title, "query": self.document.strip() + "\n", "fills": self.fills}


TABS = (
    Tab(
        "My groups",
        """
# My groups: the groups you facilitate or belong to,
# and when each meets next. Press the run button (or
# Ctrl-Enter). The tabs above hold the rest of your week.
query MyGroups {
  myGroups {
    id
    name
    weekday
    startTime
    nextMeetingAt
    placesLeft
    waitingListLength
    members { profileName }
  }
}
""",
    ),
    Tab(
        "Applications to review",
        """
# Applications to review: every application to your
# groups, oldest first. In Variables, a groupId shows one
# group's; a status (SUBMITTED, CALL_SCHEDULED,
# AWAITING_GP, …) those at one step.
query ApplicationsToReview($groupId: ID, $status: ApplicationStatus) {
  applicationsToReview(groupId: $groupId, status: $status) {
    id
    status
    submittedAt
    group { name }
    applicant { profileName }
    supportSought
    suitableTimes
    proposedCallTimes
    callAtLocal
  }
}
""",
    ),
    Tab(
        "Arrange a call",
        """
# Arrange a call: offer an applicant up to five times
# for her screening call, in London time as you would
# write them (2026-07-02T10:30). She picks one; both of
# you are told.
mutation ArrangeACall($applicationId: ID!, $times: [DateTime!]!) {
  proposeCallTimes(applicationId: $applicationId, times: $times) {
    id
    status
    applicant { profileName }
    proposedCallTimes
  }
}
""",
        {"applicationId": "application", "times": "call_times"},
    ),
    Tab(
        "This week's sessions",
        """
# This week's sessions of each of your groups, Monday
# to Sunday, London time.
query ThisWeeksSessions($after: DateTime, $before: DateTime) {
  myGroups {
    name
    sessions(after: $after, before: $before) {
      id
      status
      startsAtLocal
      durationMinutes
    }
  }
}
""",
        {"after": "week_start", "before": "week_end"},
    ),
    Tab(
        "Start",
        """
# Start: open the session, so that members can join
# and talk.
mutation Start($sessionId: ID!) {
  startSession(sessionId: $sessionId) {
    id
    status
    startsAtLocal
    startedAt
  }
}
""",
        {"sessionId": "session"},
    ),
    Tab(
        "Follow the session",
        """
# Follow the session: every message in order as it is
# said, and who is present. If the connection drops, it
# picks up where it left off.
subscription FollowTheSession($sessionId: ID!, $afterSequence: Int! = 0) {
  sessionMessages(sessionId: $sessionId, afterSequence: $afterSequence) {
    sequence
    sentAt
    author { profileName }
    body
    redacted
  }
}
""",
        {"sessionId": "session"},
    ),
    Tab(
        "End",
        """
# End: close the session. Its transcript is kept for
# you and the members who were there.
mutation End($sessionId: ID!) {
  endSession(sessionId: $sessionId) {
    id
    status
    endedAt
  }
}
""",
        {"sessionId": "session"},
    ),
    Tab(
        "Transcript",
        """
# Transcript: what was said in an ended session, a
# hundred messages a page.
query Transcript($sessionId: ID!) {
  transcript(sessionId: $sessionId) {
    session { startsAtLocal endedAt }
    messages {
      edges { node { sequence sentAt author { profileName } body } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""",
        {"sessionId": "ended_session"},
    ),
    Tab(
        "My inbox",
        """
# My inbox: notices and messages to you, newest first.
query MyInbox {
  inbox(first: 20) {
    edges { node { id subject body sentAt readAt urgent sender { profileName } } }
  }
}
""",
    ),
)
