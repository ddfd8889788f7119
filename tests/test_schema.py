"""The printed schema is the code's, and no root operation goes unguarded."""

from __future__ import annotations

import re

import pytest
import strawberry
from graphql import ObjectTypeDefinitionNode, parse

from auth.permissions import IsAuthenticated, guard, public
from schema import UnguardedOperationError, build_schema, printed_schema
from tests.conftest import ROOT
from tests.workflow import data

GRAPHQL_OWN = {"specifiedBy", "deprecated", "include", "skip", "oneOf"}
DIRECTIVES = {
    "public",
    "isAuthenticated",
    "hasRole",
    "isSelf",
    "isGroupMember",
    "isGroupFacilitator",
    "isSessionMember",
    "inSharedArea",
    "hasScope",
    "isPublished",
    "isGroupSpecialist",
    "isPublishedToSignedIn",
    "forOwnGroups",
}


def test_schema_graphql_is_what_the_code_prints():
    checked_in = (ROOT / "schema.graphql").read_text()

    assert checked_in == printed_schema(), "run `make schema` and commit schema.graphql"


def test_every_permission_directive_is_declared_and_used():
    sdl = printed_schema()

    declared = set(re.findall(r"^directive @(\w+)", sdl, re.MULTILINE))
    fields = "\n".join(line for line in sdl.splitlines() if not line.startswith("directive"))
    used = set(re.findall(r" @(\w+)", fields)) - GRAPHQL_OWN  # JSON's @specifiedBy
    assert declared == DIRECTIVES
    assert used == DIRECTIVES


def test_every_root_operation_carries_a_guard_or_public():
    document = parse(printed_schema())
    roots = [
        node
        for node in document.definitions
        if isinstance(node, ObjectTypeDefinitionNode)
        and node.name.value in ("Query", "Mutation", "Subscription")
    ]

    assert len(roots) == 3
    for root in roots:
        for field in root.fields:
            assert field.directives, f"unguarded root operation: {field.name.value}"


def test_a_schema_with_an_unguarded_operation_is_refused(settings, monkeypatch):
    @strawberry.type
    class Leaky:
        @strawberry.field
        def secrets(self) -> str:
            return "everything"

        @strawberry.field(extensions=public())
        def fine(self) -> str:
            return "ok"

        @strawberry.field(extensions=guard(IsAuthenticated()))
        def guarded(self) -> str:
            return "ok"

    import schema as schema_module

    monkeypatch.setattr(
        schema_module, "Query", strawberry.tools.merge_types("Query", (schema_module.Query, Leaky))
    )

    with pytest.raises(UnguardedOperationError, match=r"Query\.secrets") as refused:
        build_schema(settings)
    assert "fine" not in str(refused.value)
    assert "guarded" not in str(refused.value)


async def test_every_operation_says_who_may_use_it(gql):
    roots = """
    { __schema { queryType { fields { name description } }
                 mutationType { fields { name description } }
                 subscriptionType { fields { name description } } } }"""
    found = data(await gql(roots), "__schema")
    fields = {
        field["name"]: field["description"] for root in found.values() for field in root["fields"]
    }

    assert all("Who may: " in (text or "") for text in fields.values())
    assert fields["scheduleScreeningCall"].endswith(
        "Who may: the group's facilitator; or the online manager."
    )
