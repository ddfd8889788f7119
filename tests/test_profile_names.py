"""Profile names, over the wire: nobody takes a name that imitates staff or someone else.

Members know each other only by profile name, so a name too like another one, or one
that reads as a role at Haven, is refused; and a closed profile gives its name back
without the refusal ever hinting at it.
"""

from __future__ import annotations

import asyncio
import unicodedata

import pytest

from errors import Conflict
from models import Registration, Role, User
from resolvers.accounts import do_create_user
from resolvers.names import PRESENTS_AS_STAFF
from tests.conftest import PASSWORD, join, make_group
from tests.test_recovery import VERIFY, link_in
from tests.workflow import code, data

REGISTER = """
mutation ($input: RegisterInput!) {
  register(input: $input) { message }
}
"""
START = """
mutation ($group: ID, $title: String!, $body: String!) {
  startConversation(groupId: $group, title: $title, body: $body) { id }
}"""
READ = """
query ($id: ID!) {
  conversation(id: $id) { posts { edges { node { body author { profileName } } } } }
}"""
NAME_TAKEN = "That profile name is taken or too like another; choose another."
CYRILLIC_A = "\N{CYRILLIC SMALL LETTER A}"
COOPER_IN_CYRILLIC = "".join(
    unicodedata.lookup(f"CYRILLIC {letter}")
    for letter in (
        "CAPITAL LETTER ES",
        "SMALL LETTER O",
        "SMALL LETTER O",
        "SMALL LETTER ER",
        "SMALL LETTER IE",
        "SMALL LETTER GHE",
    )
)
KATE_IN_GREEK = "\N{GREEK CAPITAL LETTER KAPPA}\N{GREEK SMALL LETTER ALPHA}"
KATE_IN_GREEK += "\N{GREEK SMALL LETTER TAU}\N{GREEK SMALL LETTER EPSILON}"


async def register(gql, name: str, email: str = "new@example.org") -> dict:
    return await gql(
        REGISTER, {"input": {"email": email, "password": PASSWORD, "profileName": name}}
    )


def message(result: dict) -> str:
    return result["errors"][0]["message"]


async def test_a_fullwidth_name_is_stored_in_plain_letters(gql):
    # Given a name typed in fullwidth letters, as some keyboards do
    fullwidth = "\N{FULLWIDTH LATIN CAPITAL LETTER M}\N{FULLWIDTH LATIN SMALL LETTER A}"
    fullwidth += "\N{FULLWIDTH LATIN SMALL LETTER R}\N{FULLWIDTH LATIN SMALL LETTER Y}"

    # When someone registers with it
    result = await register(gql, f"  {fullwidth}  ")

    # Then it is stored as the plain name, to be shown once the address is confirmed
    assert data(result, "register")["message"]
    assert (await Registration.get()).profile_name == "Mary"


async def test_typographic_apostrophes_and_spaces_are_plain_when_stored(gql):
    # When a phone sends a curly apostrophe and a non-breaking space
    result = await register(gql, "Siobhán\N{NO-BREAK SPACE}O\N{RIGHT SINGLE QUOTATION MARK}Brien")

    # Then the name is stored with the characters a keyboard types
    assert data(result, "register")["message"]
    assert (await Registration.get()).profile_name == "Siobhán O'Brien"


@pytest.mark.parametrize(
    "name",
    [
        f"M{CYRILLIC_A}ry Jones",  # a Cyrillic a among Latin letters
        "Ann\N{GREEK SMALL LETTER ALPHA}",
        "Mary\N{ZERO WIDTH JOINER}Jones",
        "\N{RIGHT-TO-LEFT OVERRIDE}Mary Jones",
        "Mary\N{ZERO WIDTH SPACE}",
        "M\N{HANGUL FILLER}ary",
        "Sam_2",
        "Sam \N{ARABIC-INDIC DIGIT FIVE}",
        "Max\N{COMBINING ACUTE ACCENT}\N{COMBINING GRAVE ACCENT}\N{COMBINING TILDE}"
        "\N{COMBINING MACRON}",  # four marks on one letter
        "M",
        "x" * 61,
    ],
)
async def test_a_name_mixing_scripts_or_with_characters_no_name_needs_is_refused(gql, name):
    # When someone registers a name that mixes scripts, hides characters or is no name
    result = await register(gql, name)

    # Then it is refused and nothing is stored
    assert code(result) == "BAD_USER_INPUT"
    assert result["data"] == {"register": None}
    assert await User.all().count() == 0
    assert await Registration.all().count() == 0


@pytest.mark.parametrize(
    "look_alike",
    [
        "Mary Jones",  # the same name
        "MARY JONES",
        "mary.jones",
        "MaryJones",
        "Mary  Jones",
        "Mary-Jones",
        "Mary J0nes",  # a zero for an o
        "rnary jones",  # r and n for an m
        "Mary Jönes",
        "\N{FULLWIDTH LATIN CAPITAL LETTER M}ary Jones",
    ],
)
async def test_a_look_alike_of_a_members_name_is_refused(gql, person, look_alike):
    # Given a member called Mary Jones
    await person(name="Mary Jones")

    # When someone else registers a name that looks like hers
    result = await register(gql, look_alike)

    # Then it is refused as taken, in the same words whether exact or alike
    assert code(result) == "CONFLICT"
    assert message(result) == NAME_TAKEN
    assert await User.all().count() == 1
    assert await Registration.all().count() == 0


@pytest.mark.parametrize(
    ("existing", "look_alike"),
    [
        ("Cooper", COOPER_IN_CYRILLIC),
        ("Kate", KATE_IN_GREEK),
        ("Bill", "BiII"),  # capital Is for small Ls
        ("Bill", "Bi11"),
        ("Wendy", "vvendy"),
        ("Haddad 5", "Haddad S"),
    ],
)
async def test_a_look_alike_in_another_script_or_with_other_letters_is_refused(
    gql, person, existing, look_alike
):
    # Given a member with a name
    await person(name=existing)

    # When someone registers a name that reads the same
    result = await register(gql, look_alike)

    # Then it is refused as taken
    assert code(result) == "CONFLICT"
    assert message(result) == NAME_TAKEN
    assert await User.all().count() == 1
    assert await Registration.all().count() == 0


@pytest.mark.parametrize("look_alike", ["Ruth EIlis", "ruth.ellis", "Ruth 3llis", "Rúth Ellis"])
async def test_a_look_alike_of_a_facilitators_name_is_refused(gql, person, look_alike):
    # Given a facilitator called Ruth Ellis
    await person(Role.FACILITATOR, name="Ruth Ellis")

    # When a member registers a name that looks like hers
    result = await register(gql, look_alike)

    # Then it is refused as taken
    assert code(result) == "CONFLICT"
    assert message(result) == NAME_TAKEN
    assert await User.filter(role=Role.MEMBER).count() == 0


async def test_a_facilitators_titled_name_cannot_be_copied_by_a_member(gql, person):
    # Given a facilitator called Dr Ruth Ellis
    await person(Role.FACILITATOR, name="Dr Ruth Ellis")

    # When a member registers her name, or one like it
    results = [await register(gql, name) for name in ("Dr Ruth Ellis", "Dr. Ruth EIlis")]

    # Then both are refused and nobody is stored
    assert [code(r) for r in results] == ["BAD_USER_INPUT", "BAD_USER_INPUT"]
    assert await User.all().count() == 1


async def test_staff_are_held_to_look_alikes_too(person):
    # Given a member called Mary Jones
    await person(name="Mary Jones")

    # When a facilitator is made at the command line with a look-alike name
    with pytest.raises(Conflict) as refused:
        await do_create_user("mj@haven.example", PASSWORD, "Mary J0nes", Role.FACILITATOR, "BPS-9")

    # Then she is refused as anyone would be
    assert str(refused.value) == NAME_TAKEN
    assert await User.all().count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "Online Manager",
        "Online-Manager",
        "0nline Manager",
        "Facilitator Sam",
        "FACILITATOR",
        "Specialist",
        "Dr Smith",
        "Dr. Smith",
        "DrSmith",
        "Doctor Who",
        "Haven",
        "Haven Team",
        "h4ven",
        "Admin",
        "Administrator",
        "Moderator",
        "Staff",
        "Psychologist",
        "Former member",
    ],
)
async def test_a_member_may_not_take_a_name_that_presents_as_staff(gql, name):
    # When someone registers a name that reads as a role at Haven
    result = await register(gql, name)

    # Then it is refused with a reason and nothing is stored
    assert code(result) == "BAD_USER_INPUT"
    assert message(result) == PRESENTS_AS_STAFF
    assert await User.all().count() == 0


async def test_staff_made_at_the_command_line_may_carry_titles(gql):
    # When the operators make a facilitator and an online manager
    facilitator = await do_create_user(
        "ruth@haven.example", PASSWORD, "Dr Ruth Evans", Role.FACILITATOR, "BPS-123456"
    )
    manager = await do_create_user(
        "manager@haven.example", PASSWORD, "Online Manager", Role.ONLINE_MANAGER
    )

    # Then their names are kept, and a member still may not take them
    assert (facilitator.profile_name, manager.profile_name) == ("Dr Ruth Evans", "Online Manager")
    assert code(await register(gql, "Dr Ruth Evans")) == "BAD_USER_INPUT"
    assert code(await register(gql, "0nline Manager")) == "BAD_USER_INPUT"
    assert await User.filter(role=Role.MEMBER).count() == 0


async def test_a_closed_profiles_name_can_be_registered_afresh(gql, person, mailbox):
    # Given Mary Jones, who wrote in her group, then closed her profile
    facilitator = await person(Role.FACILITATOR, name="Dr Ellis")
    group = await make_group(facilitator)
    mary = await person(name="Mary Jones")
    await join(group, mary)
    started = await gql(
        START,
        {"group": str(group.id), "title": "Hello", "body": "Glad to be here."},
        token=mary.token,
    )
    assert data(await gql("mutation { closeProfile }", token=mary.token), "closeProfile")

    # When a new person registers the same name
    result = await register(gql, "Mary Jones")

    # Then she gets it, and Mary's post still shows no name
    assert data(result, "register")["message"]
    (mail,) = await mailbox.wait_for("new@example.org")
    verified = await gql(VERIFY, {"token": link_in(mail, "/verify-email")})
    assert data(verified, "verifyEmail")["user"]["profileName"] == "Mary Jones"
    thread = await gql(
        READ, {"id": data(started, "startConversation")["id"]}, token=facilitator.token
    )
    assert data(thread, "conversation")["posts"]["edges"][0]["node"] == {
        "body": "Glad to be here.",
        "author": {"profileName": "Former member"},
    }
    closed = await User.get(id=mary.user.id)
    assert closed.profile_name != "Mary Jones"
    assert code(await register(gql, closed.profile_name, "b@example.org")) == "BAD_USER_INPUT"


async def test_look_alikes_registering_at_once_make_one_profile(gql, mailbox):
    # Given eight people sending look-alike names at the same instant
    names = [
        "Sam Taylor",
        "sam taylor",
        "Sam.Taylor",
        "SamTaylor",
        "5am Taylor",
        "Sam Tay1or",
        "SAM TAYLOR",
        "Sam  Taylor",
    ]

    # When they all register at once, and all follow their e-mail's link at once
    asked = await asyncio.gather(
        *(register(gql, name, f"sam{n}@example.org") for n, name in enumerate(names))
    )
    assert all("errors" not in r for r in asked)
    tokens = [
        link_in((await mailbox.wait_for(f"sam{n}@example.org"))[0], "/verify-email")
        for n in range(len(names))
    ]
    results = await asyncio.gather(*(gql(VERIFY, {"token": token}) for token in tokens))

    # Then exactly one profile is made, and the others are told the name is taken
    assert sum("errors" not in r for r in results) == 1
    refused = [r for r in results if "errors" in r]
    assert {(code(r), message(r)) for r in refused} == {("CONFLICT", NAME_TAKEN)}
    assert await User.all().count() == 1


async def test_names_people_really_have_still_pass(gql):
    # Given names from many languages, and with digits
    names = [
        "O'Brien",
        "Anne-Marie",
        "Zoë",
        "José",
        "李小龙",
        "Дмитрий",
        "Ελένη",
        "محمد",
        "佐々木 ルーク",
        "김민준",
        "Nguyễn Văn Anh",
        "Sam 2",
        "Drew",
        "Stafford",
        "Mum of two",
    ]

    # When each registers
    results = [await register(gql, name, f"p{n}@example.org") for n, name in enumerate(names)]

    # Then each is kept with the name as typed
    assert all(data(r, "register")["message"] for r in results)
    kept = await Registration.all().order_by("id").values_list("profile_name", flat=True)
    assert kept == names
