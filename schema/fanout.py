"""One live event, executed and serialised once per distinct selection, not per subscriber.

A message said in a session of 300 reaches 300 subscriptions. GraphQL would execute
the subscription's selection for each of them and encode each answer to JSON, 300
times the same work. Here the stream of each subscriber yields the same
``SharedEvent`` for the same event (``shared_event``), and the executor answers every
subscriber whose selection is the same from the first one's result, encoded once.

That is only right when the answer cannot depend on who asks. ``same_for_every_reader``
decides it from the schema: every field selected under the subscription's root field
must be a plain attribute of its type, with no resolver of its own and no permission
directive (no guard, no extension). A selection with anything else, ``author { email }``
for example, is executed for each subscriber as usual. Who may receive the event at
all is decided before it is yielded, per subscriber, in ``resolvers.live``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    visit,
)
from graphql.language import Visitor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Shared events kept per process, newest last: a few seconds of the busiest sessions. An
# event that fell out is only executed again, never answered wrongly.
KEPT_EVENTS = 1024


@dataclass(eq=False)
class SharedEvent:
    """A live event as every local subscriber receives it: one object, its answers kept."""

    value: Any
    answers: dict[tuple[Any, ...], ExecutionResult] = field(default_factory=dict)


@dataclass
class FanOutCounts:
    """What this process answered: executed for a first reader, or shared with another."""

    executed: int = 0
    shared: int = 0


counts = FanOutCounts()


class SharedData(dict[str, Any]):
    """The data of a shared answer, with its JSON encoded once for every socket."""

    __slots__ = ("_encoded",)

    def encoded(self) -> str:
        try:
            return self._encoded
        except AttributeError:
            self._encoded: str = json.dumps(self, separators=(",", ":"))
            return self._encoded


_events: OrderedDict[int, tuple[object, SharedEvent]] = OrderedDict()


def shared_event(payload: object, build: Callable[[Any], Any]) -> SharedEvent:
    """The one ``SharedEvent`` for ``payload``, the object the hub gave every listener.

    Kept by the payload's identity while the payload itself is held, so an identity is
    never mistaken for another's after the first is freed.
    """
    kept = _events.get(id(payload))
    if kept is not None and kept[0] is payload:
        _events.move_to_end(id(payload))
        return kept[1]
    event = SharedEvent(build(payload))
    _events[id(payload)] = (payload, event)
    if len(_events) > KEPT_EVENTS:
        _events.popitem(last=False)
    return event


def encode_next(message: dict[str, Any]) -> str | None:
    """A ``next`` frame of a shared answer, spliced around its encoding; None otherwise."""
    payload = message.get("payload")
    if type(payload) is not dict or len(payload) != 1:
        return None
    data = payload.get("data")
    if not isinstance(data, SharedData):
        return None
    operation_id = json.dumps(message["id"])
    return f'{{"id":{operation_id},"type":"next","payload":{{"data":{data.encoded()}}}}}'


class FanOutExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, answering a ``SharedEvent`` once per distinct selection."""

    _share_key: tuple[Any, ...] | bool | None = False  # False: not worked out yet

    def build_per_event_executor(self, payload: Any) -> Any:
        if not isinstance(payload, SharedEvent):
            return super().build_per_event_executor(payload)
        key = self._shared_selection()
        if key is None:
            return super().build_per_event_executor(payload.value)
        return _SharedAnswer(self, payload, key)

    def _shared_selection(self) -> tuple[Any, ...] | None:
        """What names this subscription's answer for every reader, or None if it can't be
        shared; worked out once per subscription."""
        if self._share_key is False:
            self._share_key = share_key(self)
        return self._share_key  # type: ignore[return-value]


class _SharedAnswer:
    """Stands in for a per-event executor: the first subscriber's answer, for all."""

    def __init__(self, parent: FanOutExecutor, event: SharedEvent, key: tuple[Any, ...]) -> None:
        self.parent = parent
        self.event = event
        self.key = key

    def execute_operation(self, serially: bool | None = None) -> Any:
        answer = self.event.answers.get(self.key)
        if answer is not None:
            counts.shared += 1
            return answer
        executor = super(FanOutExecutor, self.parent).build_per_event_executor(self.event.value)
        result = executor.execute_operation(serially)
        if self.parent.is_awaitable(result):
            return self._keep_later(result)
        return self._keep(result)

    async def _keep_later(self, result: Any) -> ExecutionResult:
        return self._keep(await result)

    def _keep(self, result: ExecutionResult) -> ExecutionResult:
        if result.errors or result.data is None:
            return result  # an error is answered to each subscriber afresh
        shared = ExecutionResult(SharedData(result.data), None)
        self.event.answers[self.key] = shared
        counts.executed += 1
        return shared


def share_key(executor: StrawberryGraphQLCoreExecutionContext) -> tuple[Any, ...] | None:
    """The document, operation and variables that decide a subscription's per-event answer,
    when it is ``same_for_every_reader``; None when each reader must be answered apart."""
    operation = executor.operation
    roots = operation.selection_set.selections
    root_type = executor.schema.subscription_type
    if len(roots) != 1 or not isinstance(roots[0], FieldNode) or root_type is None:
        return None
    root = roots[0]
    if root.selection_set is None or operation.loc is None:
        return None
    root_field = root_type.fields[root.name.value]
    fragments = executor.fragment_definitions
    if not same_for_every_reader(root.selection_set, root_field.type, fragments):
        return None
    # The root field's own arguments choose the stream, not the shape of each answer.
    used = _variables_in([root.selection_set, *(root.directives or ()), *fragments.values()])
    values = executor.variable_values.coerced
    chosen = tuple(sorted((name, json.dumps(values.get(name), default=str)) for name in used))
    return (operation.loc.source.body, operation.name and operation.name.value, chosen)


def same_for_every_reader(
    selection_set: SelectionSetNode, of_type: GraphQLOutputType, fragments: dict[str, Any]
) -> bool:
    """Whether every field selected is a plain, unguarded attribute of its type."""
    parent = get_named_type(of_type)
    if not isinstance(parent, GraphQLObjectType):
        return False  # an interface or union would need each type looked at
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            definition = parent.fields.get(name)
            if definition is None or not _plain_attribute(definition.extensions):
                return False
            if selection.selection_set is not None and not same_for_every_reader(
                selection.selection_set, definition.type, fragments
            ):
                return False
        elif isinstance(selection, InlineFragmentNode):
            if not same_for_every_reader(selection.selection_set, parent, fragments):
                return False
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or not same_for_every_reader(
                fragment.selection_set, parent, fragments
            ):
                return False
    return True


def _plain_attribute(extensions: dict[str, Any]) -> bool:
    strawberry_field = extensions.get("strawberry-definition")
    return (
        strawberry_field is not None
        and strawberry_field.base_resolver is None
        and not strawberry_field.extensions
        and not strawberry_field.permission_classes
    )


def _variables_in(nodes: Iterable[Any]) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names.add(node.name.value)

    for node in nodes:
        visit(node, Collect())
    return names
