"""The GraphQL schema: each domain module declares its part; here they are merged.

``build_schema`` refuses to return a schema with a root operation that carries no
permission directive, so a server with an unguarded operation never starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from auth.permissions import unguarded_operations, who_may
from observe.operations import OperationLog
from schema import (
    accounts,
    alternatives,
    applications,
    audit,
    blogs,
    breaches,
    centres,
    conversations,
    data_rights,
    events,
    groups,
    inbox,
    memberships,
    notices,
    recovery,
    safeguarding,
    sessions,
    specialists,
    topics,
)
from schema.answers import MarkKeepable
from schema.errors import HavenSchema
from schema.extensions import DirectiveLimit, OperationRules
from schema.fanout import FanOutExecutor
from schema.inputs import RequestRules
from schema.scalars import OVERRIDES
from settings import Settings, get_settings

if TYPE_CHECKING:  # the tracing extra: imported only when spans are made
    from opentelemetry.sdk.trace import TracerProvider

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
CACHE_SIZE = 256

Query = merge_types(
    "Query",
    (
        accounts.Query,
        groups.Query,
        applications.Query,
        memberships.Query,
        sessions.Query,
        conversations.Query,
        inbox.Query,
        notices.Query,
        safeguarding.Query,
        breaches.Query,
        audit.Query,
        alternatives.Query,
        topics.Query,
        blogs.Query,
        specialists.Query,
        centres.Query,
        data_rights.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        accounts.Mutation,
        recovery.Mutation,
        groups.Mutation,
        applications.Mutation,
        memberships.Mutation,
        sessions.Mutation,
        conversations.Mutation,
        inbox.Mutation,
        notices.Mutation,
        safeguarding.Mutation,
        breaches.Mutation,
        topics.Mutation,
        blogs.Mutation,
        specialists.Mutation,
        centres.Mutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (
        sessions.Subscription,
        applications.Subscription,
        conversations.Subscription,
        inbox.Subscription,
        events.Subscription,
        topics.Subscription,
    ),
)


def say_who_may(*roots: type) -> None:
    """End each root operation's description with who may use it, from its directives, so
    that GraphiQL's Docs pane tells each reader what is hers. Done once, at import."""
    for root in roots:
        for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            who = who_may(field)
            if who and who not in (field.description or ""):
                field.description = f"{field.description} {who}" if field.description else who


say_who_may(Query, Mutation, Subscription)


class UnguardedOperationError(RuntimeError):
    """A root operation has neither a permission directive nor ``@public``."""


def build_schema(settings: Settings, traced: TracerProvider | None = None) -> strawberry.Schema:
    """The schema; with ``traced`` (an OpenTelemetry tracer provider), its operations and
    resolvers make spans (``observe.tracing``)."""
    # The limiters' rule classes are made once: the validation cache is keyed by the
    # rules, so fresh classes per request would make every request miss it.
    rules = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
        DirectiveLimit,
    ]
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        OperationLog,  # first: its line covers the time every other takes
        lambda: OperationRules(
            max_tokens=MAX_TOKENS,
            rules=rules,
            staff_only_introspection=not settings.introspection,
            trusted_documents=settings.trusted_documents,
        ),
        MarkKeepable,
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        RequestRules,  # after the cache: it reads the errors the cache gives
    ]
    if traced is not None:
        from observe.tracing import OperationSpans

        extensions.insert(0, lambda: OperationSpans(traced))
    schema = HavenSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=FanOutExecutor,
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides=OVERRIDES,
    )
    if missing := unguarded_operations(schema):
        raise UnguardedOperationError(
            "every root operation needs a permission directive or @public: " + ", ".join(missing)
        )
    return schema


def printed_schema() -> str:
    """The SDL as checked in at ``schema.graphql``."""
    return build_schema(get_settings()).as_str() + "\n"
