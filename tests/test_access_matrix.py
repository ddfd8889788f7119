"""The access matrix: every operation and guarded field, tried by every kind of reader.

``tests/access_matrix.md`` holds the expected outcome of each cell. Its rows are checked
against ``schema.graphql``, so a new operation cannot ship without a row. Each cell is one
test that probes the running server over the wire: HTTP for queries and mutations,
``graphql-transport-ws`` for subscriptions. The scene (``tests/matrix_probes.py``) is built
once for the module. Mutations are probed with input their resolvers refuse after the
permission checks, and every probe is checked to have changed nothing.

The tests run in the order written: queries, mutations, the check that the mutations
changed nothing, subscriptions (which record presence and audit catch-ups), and last the
two mutations that have no input to refuse and so run for real.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import DirectiveDefinitionNode, ObjectTypeDefinitionNode, parse
from tortoise import Tortoise, connections

from settings import Settings
from tests.conftest import ROOT, GraphQLClient, People, Server, wipe_database
from tests.live import LiveClient
from tests.matrix_probes import PROBES, READERS, Probe, Scene, build_scene

TABLE = ROOT / "tests" / "access_matrix.md"
SCHEMA = ROOT / "schema.graphql"
ROOTS = ("Query", "Mutation", "Subscription")
VERDICTS = ("allow", "deny")
NOT_APPLICABLE = "—"
GUARD_CODES = frozenset({"FORBIDDEN", "UNAUTHENTICATED"})
INPUT_REFUSED = frozenset({"BAD_USER_INPUT", "CONFLICT", "NOT_FOUND"})  # after the checks
ROW_NAME = re.compile(r"^(?P<type>[A-Z]\w*)\.(?P<field>\w+)(?: \[(?P<variant>[a-z_]+)\])?$")
LISTEN_SECONDS = 2.0  # how long a quiet stream must go unrefused to count as allowed
CONCURRENT_SOCKETS = 48


# --- The table and the schema ---------------------------------------------------------------


@dataclass
class Table:
    columns: list[str]
    rows: dict[str, dict[str, str]]  # row name → reader → cell
    problems: list[str]  # what could not be read as a row of the table


def read_table(text: str) -> Table:
    """The Markdown table whose first header cell is ``operation``."""
    columns: list[str] = []
    rows: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "operation":
            columns = cells[1:]
        elif not columns or set(cells) <= {"---"} or set("".join(cells)) <= set("-: "):
            continue
        elif len(cells) != len(columns) + 1:
            problems.append(f"line {number}: {len(cells) - 1} cells for {len(columns)} readers")
        elif cells[0] in rows:
            problems.append(f"line {number}: {cells[0]} is already a row")
        else:
            rows[cells[0]] = dict(zip(columns, cells[1:], strict=True))
    return Table(columns, rows, problems)


def guarded_fields(sdl: str) -> set[str]:
    """Every root operation, and every other field that carries a permission directive."""
    document = parse(sdl)
    permissions = {
        d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)
    }
    found = set()
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            continue
        type_name = definition.name.value
        for field in definition.fields or ():
            guarded = any(d.name.value in permissions for d in field.directives or ())
            if type_name in ROOTS or guarded:
                found.add(f"{type_name}.{field.name.value}")
    return found


def base_of(row: str) -> str:
    """``Query.conversation [shared]`` is a row of ``Query.conversation``."""
    return row.split(" [", 1)[0]


MATRIX = read_table(TABLE.read_text(encoding="utf-8"))


def kind_of(row: str) -> str:
    probe = PROBES.get(row)
    if probe is not None and probe.for_real:
        return "for real"
    type_name = base_of(row).split(".", 1)[0]
    return {"Mutation": "mutation", "Subscription": "subscription"}.get(type_name, "query")


def cells(kind: str) -> list[Any]:
    """One test per cell of the rows of this kind that has a probe and a verdict."""
    found = [
        (row, reader, verdict)
        for row, verdicts in MATRIX.rows.items()
        if row in PROBES and kind_of(row) == kind
        for reader, verdict in verdicts.items()
        if reader in READERS and verdict in VERDICTS
    ]
    if kind == "for real":  # closing a profile ends the reader: after everything else
        found.sort(key=lambda cell: cell[0] == "Mutation.closeProfile")
    return [
        pytest.param(row, reader, verdict, id=f"{row.replace(' ', '')}-{reader}")
        for row, reader, verdict in found
    ]


# --- Judging a probe ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    verdict: str  # allow, deny, or unclear: the probe proved nothing
    detail: str  # what came back, for the failure message


def code_of(error: dict[str, Any]) -> str:
    return (error.get("extensions") or {}).get("code", "no code")


def judged(errors: list[dict[str, Any]], probe: Probe, what: str = "no error") -> Outcome:
    """``deny`` if any error refuses access; ``allow`` if none does and every other error
    is the resolver refusing the probe's input. Anything else (a document the schema
    rejects, a crash, a rate limit) proves nothing, and matches no expectation."""
    detail = "; ".join(f"{code_of(e)}: {e.get('message')}" for e in errors) or what
    past_guard = [
        e
        for e in errors
        if code_of(e) in INPUT_REFUSED
        or (probe.resolver_refusal and probe.resolver_refusal in e.get("message", ""))
    ]
    if any(code_of(e) in GUARD_CODES for e in errors if e not in past_guard):
        return Outcome("deny", detail)
    if len(past_guard) < len(errors):
        return Outcome("unclear", detail)
    return Outcome("allow", detail)


def verdict_problem(row: str, reader: str, expected: str, outcome: Outcome) -> str | None:
    if outcome.verdict == expected:
        return None
    return f"{row} for {reader}: expected {expected}, got {outcome.verdict} ({outcome.detail})"


def fail_on(*problems: str | None) -> None:
    """Fail with the problems found, if any, in words rather than an assertion's innards."""
    found = [p for p in problems if p]
    if found:
        pytest.fail("\n".join(found), pytrace=False)


async def ask(client: GraphQLClient, scene: Scene, row: str, reader: str) -> Outcome:
    """Probe a query, mutation or field over HTTP."""
    probe = PROBES[row]
    result = await client(
        probe.document, probe.variables(scene, reader), token=scene.tokens[reader]
    )
    if probe.cleanup is not None:
        await probe.cleanup()
    return judged(result.get("errors") or [], probe)


async def listen(server: Server, scene: Scene, row: str, reader: str) -> Outcome:
    """Probe a subscription over WebSocket: its first message, or a quiet stream."""
    probe = PROBES[row]
    client = await LiveClient.connect(server.ws_url, scene.tokens[reader])
    try:
        operation = await client.subscribe(probe.document, probe.variables(scene, reader))
        try:
            message = await asyncio.wait_for(client.inbox[operation].get(), LISTEN_SECONDS)
        except TimeoutError:
            return Outcome("allow", f"a quiet stream, unrefused for {LISTEN_SECONDS:g} s")
    finally:
        await client.close()
    payload = message.get("payload")
    if message["type"] == "error":
        errors = payload or []
    elif message["type"] == "next":
        errors = payload.get("errors") or []
    else:
        errors = []
    return judged(errors, probe, what=f"first message: {message['type']}")


# --- What a probe may not change ------------------------------------------------------------


def model_tables() -> list[str]:
    return sorted({m._meta.db_table for app in Tortoise.apps.values() for m in app.values()})


async def row_counts() -> dict[str, int]:
    """How many rows each table holds, in one statement."""
    tables = model_tables()
    counts = ", ".join(f'(SELECT COUNT(*) FROM "{t}") AS "{t}"' for t in tables)
    [row] = await connections.get("default").execute_query_dict(f"SELECT {counts}")
    return {table: int(row[table]) for table in tables}


async def contents() -> dict[str, list[str]]:
    """Every row of every table, comparable."""
    connection = connections.get("default")
    return {
        table: sorted(
            repr(sorted(row.items()))
            for row in await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        )
        for table in model_tables()
    }


async def wipe(server: Server) -> None:
    """What ``conftest.clean_database`` does after each test, done once for this module."""
    await wipe_database(server)


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Overrides conftest's cleaning after each test: the scene lasts the module."""


@pytest.fixture(scope="module")
async def client(server: Server) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="module")
async def scene(server: Server, settings: Settings, client: GraphQLClient) -> AsyncIterator[Scene]:
    try:
        yield await build_scene(client, People(settings))
    finally:
        await wipe(server)


@pytest.fixture(scope="module")
async def before_mutations(scene: Scene) -> dict[str, list[str]]:
    """Every row, as the first mutation probe finds them."""
    return await contents()


@pytest.fixture(scope="module")
async def heard(server: Server, scene: Scene) -> dict[tuple[str, str], Outcome]:
    """Every subscription cell, probed at once: quiet streams then wait together."""
    wanted = [(p.values[0], p.values[1]) for p in cells("subscription")]
    sockets = asyncio.Semaphore(CONCURRENT_SOCKETS)

    async def one(row: str, reader: str) -> Outcome:
        async with sockets:
            return await listen(server, scene, row, reader)

    outcomes = await asyncio.gather(*(one(row, reader) for row, reader in wanted))
    return dict(zip(wanted, outcomes, strict=True))


# --- The table itself ---------------------------------------------------------------------


def test_the_table_has_one_column_per_reader_and_a_verdict_in_every_cell():
    assert MATRIX.columns == list(READERS), "the columns must be the readers, in this order"
    assert not MATRIX.problems
    bad = {
        (row, reader, cell)
        for row, verdicts in MATRIX.rows.items()
        for reader, cell in verdicts.items()
        if cell not in (*VERDICTS, NOT_APPLICABLE)
    }
    assert not bad, f"cells must be allow, deny or {NOT_APPLICABLE}: {sorted(bad)}"


def test_every_operation_and_guarded_field_of_the_schema_has_a_row():
    in_schema = guarded_fields(SCHEMA.read_text(encoding="utf-8"))

    missing = in_schema - {base_of(row) for row in MATRIX.rows}

    assert not missing, f"add rows to {TABLE.name} for: {', '.join(sorted(missing))}"


def test_every_row_names_a_guarded_field_of_the_schema():
    in_schema = guarded_fields(SCHEMA.read_text(encoding="utf-8"))

    misnamed = [row for row in MATRIX.rows if not ROW_NAME.match(row)]
    gone = [row for row in MATRIX.rows if base_of(row) not in in_schema]

    assert not misnamed, f"rows are named Type.field or Type.field [variant]: {misnamed}"
    assert not gone, f"no longer in schema.graphql (or no longer guarded): {gone}"


def test_every_row_has_a_probe_and_every_probe_a_row():
    assert sorted(set(MATRIX.rows) - set(PROBES)) == [], "rows without a probe"
    assert sorted(set(PROBES) - set(MATRIX.rows)) == [], "probes without a row"


@pytest.mark.parametrize("row", sorted(PROBES))
def test_each_probe_uses_its_rows_field_in_an_operation_of_its_kind(row: str):
    type_name, field = base_of(row).split(".", 1)
    document = PROBES[row].document.strip()
    operation = {"Mutation": "mutation", "Subscription": "subscription"}.get(type_name, "")

    assert re.search(rf"\b{field}\b", document), f"the probe of {row} never uses {field}"
    if operation:
        assert document.startswith(operation), f"the probe of {row} is not a {operation}"
    else:
        assert not document.startswith(("mutation", "subscription")), f"{row} is read by a query"


# --- The cells ----------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "reader", "expected"), cells("query"))
async def test_query_cell(
    client: GraphQLClient, scene: Scene, row: str, reader: str, expected: str
):
    # When the reader asks, over HTTP
    outcome = await ask(client, scene, row, reader)

    # Then access is as the table says
    fail_on(verdict_problem(row, reader, expected, outcome))


@pytest.mark.parametrize(("row", "reader", "expected"), cells("mutation"))
async def test_mutation_cell(
    client: GraphQLClient,
    scene: Scene,
    before_mutations: dict[str, list[str]],
    row: str,
    reader: str,
    expected: str,
):
    # Given the rows as they are
    counts = await row_counts()

    # When the reader sends input the resolver refuses after the permission checks
    outcome = await ask(client, scene, row, reader)

    # Then access is as the table says, and no table gained or lost a row
    after = await row_counts()
    changed = {t: f"{counts[t]} → {after[t]}" for t in counts if counts[t] != after.get(t)}
    fail_on(
        verdict_problem(row, reader, expected, outcome),
        f"the probe of {row} for {reader} changed {changed} ({outcome.detail}): "
        "a probe must be refused after the checks"
        if changed
        else None,
    )


async def test_the_mutation_probes_changed_nothing(before_mutations: dict[str, list[str]]):
    # When every mutation cell has been probed, every row is as the first probe found it
    now = await contents()

    fail_on(
        *(
            f"mutation probes changed {table}:"
            f" was {[r for r in rows if r not in now[table]][:2]},"
            f" is {[r for r in now[table] if r not in rows][:2]}"
            for table, rows in before_mutations.items()
            if rows != now[table]
        )
    )


@pytest.mark.parametrize(("row", "reader", "expected"), cells("subscription"))
async def test_subscription_cell(
    heard: dict[tuple[str, str], Outcome], row: str, reader: str, expected: str
):
    # When the reader subscribes, over graphql-transport-ws (all at once: see `heard`)
    outcome = heard[row, reader]

    # Then access is as the table says
    fail_on(verdict_problem(row, reader, expected, outcome))


@pytest.mark.parametrize(("row", "reader", "expected"), cells("for real"))
async def test_mutation_without_input_to_refuse_cell(
    client: GraphQLClient, scene: Scene, row: str, reader: str, expected: str
):
    # When the reader sends it for real, after every other probe
    outcome = await ask(client, scene, row, reader)

    # Then access is as the table says
    fail_on(verdict_problem(row, reader, expected, outcome))
