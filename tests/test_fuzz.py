"""Generated GraphQL operations never make a production Haven server fail.

What it sends: hypothesis-graphql writes queries, mutations and subscriptions from the
checked-in ``schema.graphql`` (production answers no introspection to anonymous
clients and members, so the schema is read from the file, not asked of the server),
mostly one root field an operation. Their arguments are nasty on purpose: ids such as
``"²"``, Arabic-Indic digits, ``"-1"``, ``""``, ones past 32 or 64 bits and ones with NUL
characters, besides the ids of real rows; strings with control characters and lone
surrogates; cursors over huge numbers; date-times in year 1 or 9999, without a time
zone, or not date-times at all. Some arguments are moved into variables, where JSON
carries what a GraphQL document cannot (a lone surrogate), where an argument is often
given a value picked for its name and type (a huge cursor for ``after``) and now and
then a value of the wrong JSON type. A few documents break the schema on purpose
(hypothesis-graphql's negative mode) and a few select many root fields at once.

Who sends it: each operation goes by HTTP POST, as anonymous, as a member (Anna, in the
Tuesday group), as a facilitator (Dr Ruth Ellis, who runs it) or as the online manager,
to a real uvicorn server in production mode holding the demo data and a little more
(an application, a live and an ended session, a conversation, a personal message, a
breach report, a safeguarding concern), whose ids the generated ids often hit.
Subscriptions sent by POST are covered too: they must be refused, not crash.

A short corpus of operations that once made the server fail (``corpus``) is tried
first on every run, as hypothesis explicit examples, so those faults cannot come back
unseen whatever the generated examples happen to reach.

What fails it: any HTTP 5xx, no answer at all, or an error whose ``extensions.code``
is ``INTERNAL_SERVER_ERROR``. Hypothesis then shrinks to a small operation; the
message shows the role, the operation, its variables and what the server logged to
``haven.errors`` (the masked exception and the frames it arose in). It never shows a
token: tokens stay in a closure, show as ``<token>`` in tracebacks and are scrubbed
from the message.

How it runs: the production app is served by uvicorn in the session's event loop and on
the session's database, beside the session's development server (``server`` in
conftest), with its lifespan off (conftest's ``another_server``): that server has
already opened the database and the pub/sub hub for the process, and a second lifespan
would close them, for every later test, when it ended. Hypothesis is synchronous, so
the property runs in a worker thread (``asyncio.to_thread``) and posts with a
synchronous httpx client while the event loop goes on serving. The data is seeded
inside each test, as ``clean_database`` empties the database after every test. Each
role is one test with its own fixed seed (reproducible runs; no example database, and
hypothesis's caches go to a temporary folder, so no ``.hypothesis`` folder) and
``FUZZ_EXAMPLES`` examples: about 15 seconds a role on two cores, a minute in all.
For a longer hunt set ``HAVEN_FUZZ_EXAMPLES`` (say 5000) and ``HAVEN_FUZZ_SEED`` (any
text, for other examples than the fixed ones).

``closeProfile`` is left out of the generated mutations: it takes no input, and the
first one would close the very profile the rest of the run signs in with.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import os
import re
import threading
import traceback
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis_graphql import nodes

from auth.tokens import issue_access_token
from demo import seed_demo_data
from models import Group, GroupSession, Membership, User
from settings import Settings, load_settings
from tests.conftest import ROOT, TEST_ENV, another_server

FUZZ_EXAMPLES = int(os.environ.get("HAVEN_FUZZ_EXAMPLES", "1000"))
FUZZ_SEED = os.environ.get("HAVEN_FUZZ_SEED", "")
LONG = 200  # longer strings are cut in messages
LONG_LITERAL = re.compile(r'"((?:[^"\\]|\\.){' + str(LONG + 1) + r',})"')
ROLES = ("anonymous", "member", "facilitator", "online_manager")
SIGN_INS = {
    "member": "anna@haven.example",
    "facilitator": "ruth@haven.example",
    "online_manager": "manager@haven.example",
}
SDL = (ROOT / "schema.graphql").read_text()
SCHEMA = graphql.build_schema(SDL)
LEFT_OUT = {"closeProfile"}

# hypothesis-graphql writes queries and mutations only, so the Subscription type is
# made the query root of a schema of its own; what it writes there is sent as a
# subscription.
SUBSCRIPTION_SCHEMA = graphql.GraphQLSchema(
    query=SCHEMA.subscription_type,
    types=list(SCHEMA.type_map.values()),
    directives=SCHEMA.directives,
)

NASTY_IDS = [
    "²",
    "\u0661",  # ARABIC-INDIC DIGIT ONE
    "\u0661\u0662",
    "\U0001d7d9",  # MATHEMATICAL DOUBLE-STRUCK DIGIT ONE
    "\uff11",  # FULLWIDTH DIGIT ONE
    "Ⅻ",
    "-1",
    "0",
    "00",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x1",
    "",
    "\x00",
    "1\x00",
    "2147483647",
    "2147483648",
    "4294967296",
    "99999999999",
    "9223372036854775807",
    "9223372036854775808",
    "9" * 18,
    "9" * 19,
    "9" * 40,
    "1" * 1000,
    "1 OR 1=1",
]
NASTY_CHARACTERS = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufeff"]


def cursor(text: str) -> str:
    """A cursor as the lists give them out, over any text."""
    return base64.urlsafe_b64encode(f"haven:{text}".encode()).decode()


NASTY_CURSORS = [cursor(n) for n in ("0", "1", "2147483648", "9223372036854775808", "9" * 30)] + [
    cursor("-1"),
    cursor("²"),
    cursor(""),
    "haven:1",
    "=",
]
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udc00y",
    "\x1b[2J",
    "\r\n",
    "\u2028",
    "x" * 4000,
    "x" * 4001,
    "x" * 300 + "@example.org",
    "x" * 20000,
    "'; DROP TABLE users; --",
    "%s%s%n",
    "manager@haven.example",
    "anna@haven.example",
    "haven-demo-2026",
    "Living with cancer",
    *NASTY_CURSORS,
]
NASTY_DATETIMES = [
    "9999-12-31T23:59:59.999999+00:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+14:00",
    "1970-01-01T00:00:00Z",
    "2026-02-30T10:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-06-01T12:00:00+23:59",
    "2026-06-01 12:00",
    "2026-06-01",
    "20260601T120000Z",
    "-0001-01-01T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "now",
    "",
    "\x00",
]
NASTY_DATES = ["9999-12-31", "0001-01-01", "2026-02-29", "2026-1-1", "+10000-01-01", "", "today"]
NASTY_TIMES = ["24:00", "23:59:60", "25:00", "00:00", "12:00+01:00", "12:00:00.123456", "", "noon"]
NASTY_INTS = [0, -1, 1, 100, 101, 2**31 - 1, -(2**31)]
ZONES = st.sampled_from(
    [
        None,
        UTC,
        timezone(timedelta(hours=14)),
        timezone(-timedelta(hours=12)),
        timezone(timedelta(hours=5, minutes=30)),
    ]
)


def mix(*weighted: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, picked by weight; shrinking heads for the first."""
    picks = [strategy for weight, strategy in weighted for _ in range(weight)]
    return st.integers(0, len(picks) - 1).flatmap(picks.__getitem__)


def characters() -> st.SearchStrategy[str]:
    """Any code point, lone surrogates and control characters often."""
    return st.characters(codec=None, categories=None) | st.sampled_from(NASTY_CHARACTERS)


def strings() -> st.SearchStrategy[str]:
    return mix((5, st.text(characters(), max_size=30)), (5, st.sampled_from(NASTY_STRINGS)))


def datetimes() -> st.SearchStrategy[str]:
    now = datetime.now(UTC).replace(tzinfo=None)
    return mix(
        (3, st.datetimes(now - timedelta(days=30), now + timedelta(days=90), timezones=ZONES)),
        (2, st.datetimes(timezones=ZONES)),
    ).map(datetime.isoformat)


def ids(known_ids: list[str]) -> st.SearchStrategy[str]:
    return mix(
        (4, st.sampled_from(known_ids)),
        (4, st.sampled_from(NASTY_IDS)),
        (1, st.integers().map(str)),
        (1, st.text(characters(), max_size=20)),
    )


def or_wrong_kind(strings: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    """String literals for a custom scalar, now and then a literal of another kind."""
    wrong = st.one_of(
        st.integers().map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.booleans().map(nodes.Boolean),
        st.just(nodes.List([])),
    )
    return mix((9, strings.map(nodes.String)), (1, wrong))


def literals(known_ids: list[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """hypothesis-graphql's strategies for the scalars: custom ones, and nastier ID and String."""
    return {
        "ID": mix((4, ids(known_ids).map(nodes.String)), (1, st.integers().map(nodes.Int))),
        "String": strings().map(nodes.String),
        "DateTime": or_wrong_kind(
            mix(
                (4, datetimes()),
                (4, st.sampled_from(NASTY_DATETIMES)),
                (1, st.text(characters(), max_size=25)),
            )
        ),
        "Date": or_wrong_kind(
            mix(
                (4, st.dates().map(date.isoformat)),
                (4, st.sampled_from(NASTY_DATES)),
                (1, st.text(max_size=12)),
            )
        ),
        "Time": or_wrong_kind(
            mix(
                (4, st.times(timezones=ZONES).map(time.isoformat)),
                (4, st.sampled_from(NASTY_TIMES)),
                (1, st.text(max_size=12)),
            )
        ),
    }


def aimed(argument: str, type_name: str, known_ids: list[str]) -> st.SearchStrategy | None:
    """A variable's value picked for its argument's name and type, if there is one."""
    if argument == "after":
        return st.sampled_from(NASTY_CURSORS)
    return {
        "ID": mix((1, st.sampled_from(known_ids)), (1, st.sampled_from(NASTY_IDS))),
        "String": st.sampled_from(NASTY_STRINGS),
        "DateTime": st.sampled_from(NASTY_DATETIMES),
        "Time": st.sampled_from(NASTY_TIMES),
        "Int": st.sampled_from(NASTY_INTS),
    }.get(type_name)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | strings(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings(), inner, max_size=3),
    max_leaves=5,
)


@dataclass(frozen=True)
class Operation:
    kind: str
    document: str
    variables: dict[str, Any]

    def __repr__(self) -> str:
        document = brief_document(self.document)
        return f"Operation({self.kind!r}, {document!r}, {show(self.variables)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how hypothesis shows it
        printer.text(repr(self))


def brief_document(document: str) -> str:
    """``document`` with its long string literals cut, for messages people read."""
    return LONG_LITERAL.sub(
        lambda found: f'"{found[1][:40]}...[{len(found[1])} characters]"', document
    )


def brief(value: Any) -> Any:
    """``value`` with its long strings cut, for messages people read."""
    if isinstance(value, str) and len(value) > LONG:
        return f"{value[:40]}...[{len(value)} characters]"
    if isinstance(value, dict):
        return {key: brief(item) for key, item in value.items()}
    if isinstance(value, list):
        return [brief(item) for item in value]
    return value


def operations(known_ids: list[str]) -> st.SearchStrategy[Operation]:
    """Mostly one root field an operation: small, quick to write, each fault on its own."""
    as_ast = {"custom_scalars": literals(known_ids), "print_ast": lambda document: document}
    mutations = [name for name in SCHEMA.mutation_type.fields if name not in LEFT_OUT]

    def each(schema: graphql.GraphQLSchema, write: Any, names: Any) -> st.SearchStrategy:
        return st.one_of(*(write(schema, fields=[name], **as_ast) for name in names))

    kinds = {
        "query": each(SCHEMA, hg.queries, SCHEMA.query_type.fields),
        "mutation": each(SCHEMA, hg.mutations, mutations),
        "subscription": each(SUBSCRIPTION_SCHEMA, hg.queries, SCHEMA.subscription_type.fields).map(
            as_subscription
        ),
        "several": st.one_of(
            hg.queries(SCHEMA, **as_ast), hg.mutations(SCHEMA, fields=mutations, **as_ast)
        ),
        "invalid": st.one_of(
            hg.queries(SCHEMA, mode=hg.Mode.NEGATIVE, **as_ast),
            hg.mutations(SCHEMA, fields=mutations, mode=hg.Mode.NEGATIVE, **as_ast),
        ),
    }
    # Mutations most (they take the most input); subscriptions, which POST cannot serve
    # whatever their arguments, the slower many-field documents and the invalid ones less.
    documents = mix(
        (3, kinds["query"]),
        (5, kinds["mutation"]),
        (1, kinds["subscription"]),
        (1, kinds["several"]),
        (1, kinds["invalid"]),
    )
    return documents.flatmap(lambda document: lift_arguments(document, known_ids))


def as_subscription(document: graphql.DocumentNode) -> graphql.DocumentNode:
    (operation,) = document.definitions
    operation = dataclasses.replace(operation, operation=graphql.OperationType.SUBSCRIPTION)
    return dataclasses.replace(document, definitions=(operation,))


@st.composite
def lift_arguments(draw: st.DrawFn, document: graphql.DocumentNode, known_ids: list[str]):
    """Move some arguments into variables, giving some of them values of their own."""
    type_info = graphql.TypeInfo(SCHEMA)
    lift = Lift(draw, type_info, known_ids)
    changed = graphql.visit(document, graphql.TypeInfoVisitor(type_info, lift))
    (operation,) = changed.definitions
    operation = dataclasses.replace(operation, variable_definitions=tuple(lift.definitions))
    printed = graphql.print_ast(dataclasses.replace(changed, definitions=(operation,)))
    return Operation(operation.operation.value, printed, lift.variables)


class Lift(graphql.Visitor):
    def __init__(self, draw: st.DrawFn, type_info: graphql.TypeInfo, known_ids: list[str]):
        super().__init__()
        self.draw = draw
        self.type_info = type_info
        self.known_ids = known_ids
        self.definitions: list[graphql.VariableDefinitionNode] = []
        self.variables: dict[str, Any] = {}

    def enter_argument(self, node: graphql.ArgumentNode, *_: object) -> Any:
        argument = self.type_info.get_argument()
        if argument is None:
            return None
        value = graphql.value_from_ast_untyped(node.value)
        # A document cannot carry a lone surrogate: JSON variables can.
        if not (has_surrogate(value) or self.draw(st.booleans())):
            return None
        named = graphql.get_nullable_type(argument.type)
        own = None
        if not graphql.is_list_type(named):
            own = aimed(node.name.value, graphql.get_named_type(named).name, self.known_ids)
        pick = self.draw(st.integers(0, 9))
        if pick >= 5 and own is not None:
            value = self.draw(own)
        elif pick == 0:
            value = self.draw(JSON_VALUES)
        name = f"v{len(self.variables)}"
        self.variables[name] = value
        variable = graphql.VariableNode(name=graphql.NameNode(value=name))
        self.definitions.append(
            graphql.VariableDefinitionNode(
                variable=variable, type=graphql.parse_type(str(argument.type)), directives=()
            )
        )
        return graphql.ArgumentNode(name=node.name, value=variable)


def has_surrogate(value: Any) -> bool:
    return re.search(r"\\ud[89a-f]", json.dumps(value), re.IGNORECASE) is not None


@dataclass(eq=False)
class ServerLog(logging.Handler):
    """What the server logged as unexpected (``haven.errors``), from any thread."""

    records: list[logging.LogRecord] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        with self.lock:
            self.records.append(record)

    def since(self, mark: int) -> list[logging.LogRecord]:
        with self.lock:
            return self.records[mark:]


@contextlib.contextmanager
def server_log() -> Iterator[ServerLog]:
    handler = ServerLog()
    logger = logging.getLogger("haven.errors")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def describe(record: logging.LogRecord) -> str:
    """The logged exception and the frames it came through, innermost first."""
    if not record.exc_info or record.exc_info[1] is None:
        return record.getMessage()
    error = record.exc_info[1]
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f.filename.startswith(str(ROOT)) and "/.venv/" not in f.filename]
    shown = [*ours[-4:], *([frames[-1]] if frames and frames[-1] not in ours else [])]
    where = " <- ".join(
        f"{os.path.relpath(f.filename, ROOT)}:{f.lineno} in {f.name}" for f in reversed(shown)
    )
    text = str(error) if len(str(error)) <= LONG else f"{str(error)[:120]}...{str(error)[-60:]}"
    return f"{record.getMessage()}: {type(error).__name__}: {text} [{where}]"


class Token(str):
    """An access token that tracebacks show as ``<token>``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<token>"


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis's caches (unicode tables, constants) go to a temporary folder, not the repo."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@dataclass
class ProductionServer:
    url: str
    settings: Settings


@pytest.fixture(scope="module")
async def production_server(server) -> AsyncIterator[ProductionServer]:
    """Haven in production mode on the session's database and hub (``another_server``)."""
    environ = {
        "HAVEN_ENV": "production",
        "JWT_SECRET": Fernet.generate_key().decode() * 2,  # 88 bytes, new each run
        "GP_DETAILS_KEY": Fernet.generate_key().decode(),
        "HAVEN_ALLOWED_ORIGINS": "",
        "SMTP_URL": "smtp://127.0.0.1:1",
        "APP_URL": "https://haven.example.org",
    }
    production = load_settings(
        {
            **TEST_ENV,
            "DATABASE_URL": server.settings.database_url,
            "BROADCAST_URL": server.settings.broadcast_url,
            **environ,
        }
    )
    assert production.production
    async with another_server(server.settings, **environ) as client:
        yield ProductionServer(str(client.base_url).rstrip("/"), production)


async def post(http: httpx.AsyncClient, query: str, variables: dict, token: Token) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert response.status_code == 200, (query, response.status_code)
    assert "errors" not in body, (query, body["errors"])
    return next(iter(body["data"].values()))


@dataclass
class Scene:
    tokens: dict[str, Token | None]
    known_ids: list[str]
    group_id: str  # the Tuesday group: Anna in it, Dr Ruth Ellis running it
    manager_id: str


async def seed_data(prod: ProductionServer) -> Scene:
    """The demo data and a little of everything else; the tokens, and the ids to aim at."""
    with contextlib.redirect_stdout(None):
        await seed_demo_data()
    users = {user.email: user for user in await User.all()}
    tokens: dict[str, Token | None] = {"anonymous": None}
    for role, email in SIGN_INS.items():
        tokens[role] = Token(issue_access_token(prod.settings, users[email]))
    anna, ruth = tokens["member"], tokens["facilitator"]
    ellen = Token(issue_access_token(prod.settings, users["ellen@haven.example"]))
    tuesday = await Group.get(name="Tuesday evening group")
    soon = datetime.now(UTC) + timedelta(minutes=5)
    ended, live = [
        await GroupSession.create(group=tuesday, starts_at=soon + timedelta(hours=n), one_off=True)
        for n in range(2)
    ]
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=prod.url, timeout=30) as http:
        for session in (ended, live):
            await post(
                http, "mutation($s:ID!){startSession(sessionId:$s){id}}", {"s": session.id}, ruth
            )
            found.append(
                await post(
                    http,
                    'mutation($s:ID!){postSessionMessage(sessionId:$s,body:"Hello all"){id}}',
                    {"s": session.id},
                    anna,
                )
            )
            if session is ended:
                await post(
                    http, "mutation($s:ID!){endSession(sessionId:$s){id}}", {"s": session.id}, ruth
                )
        application = await post(
            http,
            'mutation($g:ID!){applyToGroup(groupId:$g,supportSought:"Talk"){id}}',
            {"g": tuesday.id},
            ellen,
        )
        await post(
            http,
            "mutation($a:ID!,$t:DateTime!){scheduleScreeningCall(applicationId:$a,at:$t){id}}",
            {"a": application["id"], "t": (soon + timedelta(days=1)).isoformat()},
            ruth,
        )
        conversation = await post(
            http,
            'mutation($g:ID){startConversation(title:"Hi",body:"First",groupId:$g){id}}',
            {"g": tuesday.id},
            anna,
        )
        found += [
            application,
            conversation,
            await post(
                http,
                'mutation($c:ID!){replyToConversation(conversationId:$c,body:"Reply"){id}}',
                {"c": conversation["id"]},
                ruth,
            ),
            await post(
                http,
                'mutation($u:ID!){sendPersonalMessage(toUserId:$u,subject:"Hi",body:"Hello"){id}}',
                {"u": users["manager@haven.example"].id},
                anna,
            ),
            await post(
                http,
                'mutation($g:ID!){reportBreach(groupId:$g,description:"Told outside"){id}}',
                {"g": tuesday.id},
                anna,
            ),
            await post(
                http,
                "mutation($m:ID!,$g:ID!){raiseSafeguardingConcern(memberId:$m,groupId:$g,"
                'severity:LOW,summary:"Low mood"){id}}',
                {"m": users["anna@haven.example"].id, "g": tuesday.id},
                ruth,
            ),
        ]
    known = {row["id"] for row in found} | {str(user.id) for user in users.values()}
    for model in (Group, GroupSession, Membership):
        known |= {str(pk) for pk in await model.all().values_list("id", flat=True)}
    return Scene(
        tokens,
        sorted(known, key=lambda id_: (len(id_), id_)),
        str(tuesday.id),
        str(users["manager@haven.example"].id),
    )


def corpus(scene: Scene) -> list[Operation]:
    """Operations that once made the server fail, tried first on every run."""
    group = scene.group_id
    return [
        Operation("subscription", "subscription { inbox { id } }", {}),
        Operation("query", '{ group(id: "²") { id } }', {}),
        Operation("mutation", 'mutation { markMessageRead(messageId: "\u0661") { id } }', {}),
        Operation("query", "query($id: ID!) { group(id: $id) { id } }", {"id": "99999999999"}),
        Operation(
            "query",
            "query($after: String) { inbox(after: $after) { edges { cursor } } }",
            {"after": cursor("9" * 30)},
        ),
        Operation(
            "query",
            "query($after: String) { auditLog(after: $after) { edges { cursor } } }",
            {"after": cursor("2147483648")},
        ),
        Operation(
            "mutation",
            "mutation($g: ID) {"
            ' startConversation(title: "a\\u0000b", body: "b", groupId: $g) { id } }',
            {"g": group},
        ),
        Operation(
            "mutation",
            'mutation($e: String!) { login(email: $e, password: "x") { accessToken } }',
            {"e": "a\x00@example.org"},
        ),
        Operation(
            "mutation",
            'mutation($e: String!) { login(email: $e, password: "x") { accessToken } }',
            {"e": "x" * 300 + "@example.org"},
        ),
        Operation(
            "mutation",
            "mutation($p: String!) {"
            ' login(email: "anna@haven.example", password: $p) { accessToken } }',
            {"p": "\ud800"},
        ),
        Operation("mutation", "mutation($t: String) { logout(refreshToken: $t) }", {"t": "\udc00"}),
        Operation(
            "mutation",
            "mutation($t: String!) { refreshToken(token: $t) { accessToken } }",
            {"t": "\ud800"},
        ),
        Operation("query", "query($n: String) { groups(need: $n) { id } }", {"n": "\ud800"}),
        Operation(
            "mutation",
            "mutation($to: ID!, $b: String!) {"
            ' sendPersonalMessage(toUserId: $to, subject: "s", body: $b) { id } }',
            {"to": scene.manager_id, "b": "\ud800"},
        ),
        Operation(
            "mutation",
            "mutation($g: ID!) {"
            ' addSession(groupId: $g, startsAt: "9999-12-31T20:00:00-12:00") { id } }',
            {"g": group},
        ),
        Operation(
            "query",
            "query($g: ID!, $since: DateTime!, $until: DateTime!) {"
            " researchExport(groupId: $g, since: $since, until: $until) { week } }",
            {
                "g": group,
                "since": "0001-01-01T00:00:00+14:00",
                "until": "9999-12-31T23:59:59-12:00",
            },
        ),
    ]


def show(value: Any) -> str:
    """``value`` as JSON, every control character and surrogate escaped, long strings cut."""
    return json.dumps(brief(value), ensure_ascii=True)


def judge(response: httpx.Response) -> str | None:
    """What is wrong with an answer, if anything: a 5xx, or an internal error."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:500]}"
    try:
        body = response.json()
    except ValueError:
        return None  # a plain refusal (413, 405, …), not a fault
    errors = body.get("errors") if isinstance(body, dict) else None
    internal = [
        error
        for error in errors or []
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]
    if internal:
        return f"HTTP {response.status_code}, internal errors: {show(internal)}"
    return None


@pytest.mark.parametrize("role", ROLES)
async def test_no_generated_operation_makes_the_server_fail(production_server, role):
    scene = await seed_data(production_server)
    token = scene.tokens[role]
    secrets = [t for t in scene.tokens.values() if t]

    def check(http: httpx.Client, log: ServerLog, operation: Operation) -> None:
        mark = len(log.since(0))
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps(
            {"query": operation.document, "variables": operation.variables}, ensure_ascii=True
        )
        try:
            response = http.post("/graphql", content=body.encode(), headers=headers)
        except httpx.HTTPError as error:
            problem = f"no answer: {type(error).__name__}: {error}"
        else:
            problem = judge(response)
        if problem is None:
            return
        logged = "\n".join(f"  {describe(record)}" for record in log.since(mark))
        message = (
            f"{problem}\nrole: {role}\n{operation.kind}:\n{brief_document(operation.document)}\n"
            f"variables: {show(operation.variables)}\nserver log:\n{logged or '  (nothing)'}"
        )
        for secret in secrets:
            message = message.replace(secret, "<token>")
        raise AssertionError(message)

    with server_log() as log, httpx.Client(base_url=production_server.url, timeout=30) as http:

        def fuzz(operation: Operation) -> None:
            check(http, log, operation)

        for known in corpus(scene):
            fuzz = example(operation=known)(fuzz)
        fuzz = seed(zlib.crc32(f"{role}{FUZZ_SEED}".encode()))(
            settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                print_blob=False,
            )(given(operation=operations(scene.known_ids))(fuzz))
        )
        await asyncio.to_thread(fuzz)
