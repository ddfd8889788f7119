"""The permission directives: printed in ``schema.graphql`` and enforced on every field.

Each directive names one kind of reader it admits. A field lists its directives
through ``guard(...)``; a reader admitted by any one of them may use the field, and
everyone else is refused with ``UNAUTHENTICATED`` (nobody signed in) or
``FORBIDDEN``. Operations anyone may use say so with ``@public``: a root operation
with no guard at all is a mistake, and ``unguarded_operations`` finds it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import OperationType
from strawberry.extensions.field_extension import AsyncExtensionResolver, SyncExtensionResolver
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from auth.access import answers_in, takes_part_anywhere, was_in_session
from errors import BadUserInput, Forbidden, HavenError, NotFound, Unauthenticated
from models import GroupSession, Role

RoleType = strawberry.enum(Role, name="Role", description="What a person does in Haven.")

ALTERNATIVES = "A field's permission directives are alternatives: any one admits the reader."


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="public",
    description="Anyone may use this, signed in or not.",
)
class PublicDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isAuthenticated",
    description=f"Admits anyone signed in. {ALTERNATIVES}",
)
class IsAuthenticatedDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="hasRole",
    description=f"Admits a signed-in person holding one of the roles. {ALTERNATIVES}",
)
class HasRoleDirective:
    roles: list[RoleType]  # type: ignore[valid-type]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isSelf",
    description=f"Admits the person the object describes. {ALTERNATIVES}",
)
class IsSelfDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isGroupMember",
    description=f"Admits a current member of the group concerned. {ALTERNATIVES}",
)
class IsGroupMemberDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isGroupFacilitator",
    description=f"Admits the facilitator of the group concerned. {ALTERNATIVES}",
)
class IsGroupFacilitatorDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="forOwnGroups",
    description="Admits a facilitator when no group is named: the answer then covers only "
    f"the groups she facilitates. {ALTERNATIVES}",
)
class ForOwnGroupsDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isSessionMember",
    description="Admits a member whose membership of the group overlapped the session "
    "concerned, even if it has ended since; she reads the part her membership covered. "
    f"{ALTERNATIVES}",
)
class IsSessionMemberDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="inSharedArea",
    description="Admits, in the conversations shared by all groups, people holding one of the "
    f"roles who take part in a group now (current members, facilitators). {ALTERNATIVES}",
)
class InSharedAreaDirective:
    roles: list[RoleType]  # type: ignore[valid-type]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isPublished",
    description=f"Admits anyone, signed in or not, when the record concerned is public. "
    f"{ALTERNATIVES}",
)
class IsPublishedDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isPublishedToSignedIn",
    description=f"Admits a signed-in person when the record concerned is public. {ALTERNATIVES}",
)
class IsPublishedToSignedInDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="isGroupSpecialist",
    description=f"Admits a specialist of the specialist group concerned. {ALTERNATIVES}",
)
class IsGroupSpecialistDirective:
    pass


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="hasScope",
    description=f"Admits an integration whose token carries the scope. {ALTERNATIVES}",
)
class HasScopeDirective:
    scope: str


MAX_KEY = 2**31 - 1  # database keys are 32-bit integers on every backend


def as_key(text: str) -> int | None:
    """``text`` as a number from 0 to ``MAX_KEY``, or None if it is not one.

    Only ASCII digits count: Python's ``int`` also reads Arabic-Indic digits, fails on a
    string of thousands of them, and a number past 32 bits would fail in PostgreSQL
    rather than here.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_KEY)):
        return None
    key = int(text)
    return key if key <= MAX_KEY else None


def parse_id(value: object, what: str = "id") -> int:
    """Turn a GraphQL ``ID`` into a database key, refusing what cannot be one."""
    key = as_key(str(value))
    if not key:  # None, or 0, which no row has
        raise BadUserInput(f"That is not a valid {what}.")
    return key


def _group_concerned(source: Any, kwargs: dict[str, Any]) -> int | None:
    """The group a guarded field is about: its parent's (or subject's), else its ``groupId``.

    The object's own group always wins, so naming another group in an argument
    cannot borrow that group's rights.
    """
    own = getattr(source, "group_id", None)
    if own is not None:
        return own
    if kwargs.get("group_id") is not None:
        return parse_id(kwargs["group_id"], "groupId")
    return None


class Public(BasePermission):
    who = "anyone, signed in or not"
    _schema_directive = PublicDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


class IsAuthenticated(BasePermission):
    who = "anyone signed in"
    _schema_directive = IsAuthenticatedDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer.is_authenticated


ROLE_WORDS = {
    Role.MEMBER: "members",
    Role.FACILITATOR: "facilitators",
    Role.ONLINE_MANAGER: "the online manager",
    Role.SPECIALIST: "specialists",
}


class HasRole(BasePermission):
    def __init__(self, *roles: Role) -> None:
        self.roles = roles
        self.who = ", ".join(ROLE_WORDS[role] for role in roles)
        self._schema_directive = HasRoleDirective(roles=list(roles))  # type: ignore[misc]

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer.has_role(*self.roles)


class IsSelf(BasePermission):
    """The parent object must carry ``user_id``: the person it describes."""

    who = "the person concerned"

    _schema_directive = IsSelfDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        return viewer.is_authenticated and getattr(source, "user_id", None) == viewer.user_id


class IsGroupMember(BasePermission):
    who = "current members of the group"
    _schema_directive = IsGroupMemberDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        group_id = _group_concerned(source, kwargs)
        if group_id is None or not info.context.viewer.is_authenticated:
            return False
        return (await info.context.group_roles()).is_member(group_id)


class IsGroupFacilitator(BasePermission):
    who = "the group's facilitator"
    _schema_directive = IsGroupFacilitatorDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        group_id = _group_concerned(source, kwargs)
        if group_id is None or not info.context.viewer.has_role(Role.FACILITATOR):
            return False
        return (await info.context.group_roles()).is_facilitator(group_id)


class ForOwnGroups(BasePermission):
    """For an overview across groups: the resolver narrows it to the viewer's own groups
    (``resolvers.applications.groups_reviewed_by``)."""

    who = "a facilitator, for her own groups, when no group is named"
    _schema_directive = ForOwnGroupsDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return kwargs.get("group_id") is None and info.context.viewer.has_role(Role.FACILITATOR)


@dataclass(frozen=True)
class SubjectLoader:
    """How a root operation finds what it is about: ``load`` the id in ``argument``."""

    load: Callable[[int], Awaitable[Any]]
    argument: str
    what: str
    for_anyone: bool = False  # judged for readers not signed in too (a public record)

    async def __call__(self, kwargs: dict[str, Any]) -> Any:
        return await self.load(parse_id(kwargs[self.argument], self.argument))


def subject_from(
    load: Callable[[int], Awaitable[Any]], argument: str, what: str, for_anyone: bool = False
) -> SubjectLoader:
    """Find what a root operation is about from its id ``argument``, with ``load``."""
    return SubjectLoader(load, argument, what, for_anyone)


class IsSessionMember(BasePermission):
    """The subject must carry ``session_id``: transcripts are read by who was there."""

    who = "members who were in the session"

    _schema_directive = IsSessionMemberDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        session_id = getattr(source, "session_id", None)
        if session_id is None or not viewer.has_role(Role.MEMBER):
            return False
        session = await GroupSession.filter(id=session_id).first()
        return session is not None and await was_in_session(viewer.user_id, session)


class InSharedArea(BasePermission):
    who = "everyone taking part in a group now"
    """For the shared area: a parent or subject without a group, or no ``groupId`` given."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles or (Role.MEMBER, Role.FACILITATOR)
        self._schema_directive = InSharedAreaDirective(roles=list(self.roles))  # type: ignore[misc]

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        shared = getattr(source, "shared", False) or (
            source is None and kwargs.get("group_id") is None
        )
        if not shared or viewer.user_id is None or not viewer.has_role(*self.roles):
            return False
        return await takes_part_anywhere(viewer.user_id, viewer.role)


class IsPublished(BasePermission):
    """The parent or subject must carry ``published``: whether anyone may read it."""

    who = "anyone, when it is public"

    _schema_directive = IsPublishedDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return bool(getattr(source, "published", False))


class IsPublishedToSignedIn(BasePermission):
    who = "anyone signed in, when it is public"
    """As ``IsPublished``, for people signed in: to write beside what is public."""

    _schema_directive = IsPublishedToSignedInDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        return viewer.is_authenticated and bool(getattr(source, "published", False))


class IsGroupSpecialist(BasePermission):
    """The parent or subject must carry ``specialist_group_id``."""

    who = "the specialist group's specialists"

    _schema_directive = IsGroupSpecialistDirective()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        group_id = getattr(source, "specialist_group_id", None)
        if group_id is None or viewer.user_id is None or not viewer.has_role(Role.SPECIALIST):
            return False
        return await answers_in(viewer.user_id, group_id)


class HasScope(BasePermission):
    who = "integrations with the scope"

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._schema_directive = HasScopeDirective(scope=scope)  # type: ignore[misc]

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return self.scope in info.context.viewer.scopes


class Guard(PermissionExtension):
    """A ``PermissionExtension`` whose permissions are alternatives rather than all required.

    A root operation about one object (``application(id)``) has no parent for the
    permissions to look at: its ``subject`` loader finds the object's owner and
    group, and the permissions judge that instead.
    """

    def __init__(
        self, permissions: Iterable[BasePermission], subject: SubjectLoader | None = None
    ) -> None:
        super().__init__(permissions=list(permissions), use_directives=True)
        if not self.permissions:
            raise ValueError("a guard needs at least one permission")
        self.subject = subject
        self.guards_something = not all(isinstance(p, Public) for p in self.permissions)

    @property
    def supports_sync(self) -> bool:  # type: ignore[override]
        return False

    def resolve(self, next_: SyncExtensionResolver, source: Any, info: Info, **kwargs: Any) -> Any:
        raise NotImplementedError("guards resolve asynchronously")

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        viewer = info.context.viewer
        if (
            self.guards_something
            and viewer.is_authenticated
            and not await info.context.account_is_current()
        ):
            raise Unauthenticated("Your profile was closed or changed: sign in again.")
        judged = source
        if self.subject is not None and (viewer.is_authenticated or self.subject.for_anyone):
            judged = await self.subject(kwargs)
            if judged is None and not viewer.is_authenticated:
                raise viewer.problem or Unauthenticated("Sign in to do this.")
            if judged is None:
                raise await self.missing(info)
        for permission in self.permissions:
            if await permission.has_permission(judged, info, **kwargs) is True:
                break
        else:
            if not viewer.is_authenticated and not viewer.is_integration:
                raise viewer.problem or Unauthenticated("Sign in to do this.")
            raise Forbidden("You do not have permission to do this.")
        if info.path.prev is None and info.operation.operation is OperationType.SUBSCRIPTION:
            # A stream lives for hours: what was loaded to judge it is not kept as long.
            info.context.renew()
        result = next_(source, info, **kwargs)
        if inspect.isawaitable(result):
            return await result
        return result

    async def missing(self, info: Info) -> HavenError:
        """What to say of an object that does not exist.

        Only a reader admitted to every object of its kind by role learns that it
        does not exist; to anyone else it answers as one that is not theirs, so ids
        cannot be tried one by one to learn what exists.
        """
        assert self.subject is not None
        for permission in self.permissions:
            if isinstance(permission, HasRole) and await permission.has_permission(None, info):
                return NotFound(f"No such {self.subject.what}.")
        return Forbidden("You do not have permission to do this.")


def guard(*permissions: BasePermission, subject: SubjectLoader | None = None) -> list[Guard]:
    """The ``extensions=`` of a guarded field: ``strawberry.field(extensions=guard(...))``."""
    return [Guard(permissions, subject)]


def public() -> list[Guard]:
    return guard(Public())


def who_may(field: Any) -> str | None:
    """Who may use a guarded field, in words for its description (GraphiQL's Docs pane)."""
    guards = [e for e in getattr(field, "extensions", ()) if isinstance(e, Guard)]
    if not guards:
        return None
    readers = [getattr(p, "who", "") for g in guards for p in g.permissions]
    return "Who may: " + "; or ".join(r for r in readers if r) + "."


def unguarded_operations(schema: strawberry.Schema) -> list[str]:
    """Root operations that carry neither a permission directive nor ``@public``."""
    missing = []
    for root in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(root)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        for field in definition.fields:
            guards = [e for e in field.extensions if isinstance(e, Guard)]
            if not guards:
                missing.append(f"{root}.{field.graphql_name or field.python_name}")
    return missing
