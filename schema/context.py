"""What every resolver and permission can reach: the viewer, settings and loaders."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket

from auth.access import EVERYTHING, GroupRoles, Room, account_is_current, load_group_roles, room_of
from auth.addresses import client_address
from auth.identity import Viewer
from models import User
from schema.loaders import Loaders
from settings import Settings


class Context:
    """The context of one HTTP request, or of one WebSocket connection.

    A WebSocket connection runs many operations over its life, so the caches
    (loaders, the viewer's group roles) are renewed at the start of each operation
    by ``OperationRules``: a membership ended a minute ago must not still count.
    """

    def __init__(self, request: Request | WebSocket, settings: Settings, viewer: Viewer) -> None:
        self.request = request
        self.settings = settings
        self.viewer = viewer
        self.connection_params: dict[str, Any] | None = None
        self._operations = 0
        self.renew()

    def begin_operation(self) -> None:
        """An operation starts: renew the caches, unless none has used them yet."""
        if self._operations:
            self.renew()
        self._operations += 1

    def renew(self) -> None:
        self.loaders = Loaders()
        self._group_roles: asyncio.Future[GroupRoles] | None = None
        self._account_checked: asyncio.Future[bool] | None = None
        self._rooms: dict[int, Room] = {}

    @property
    def request_id(self) -> str | None:
        """The id of the HTTP request or WebSocket connection (``observe.requests``)."""
        return self.request.scope.get("state", {}).get("request_id")

    @property
    def client_address(self) -> str:
        """Who is asking, as the per-address limits count them (see ``auth.addresses``)."""
        client = self.request.client
        return client_address(
            client.host if client else None,
            self.request.headers.getlist("x-forwarded-for"),
            self.settings.trusted_proxies,
        )

    async def current_user(self) -> User:
        """The signed-in person's profile, through this operation's loader."""
        assert self.viewer.user_id is not None, "guarded: only signed-in people get here"
        return await self.loaders.user.load(self.viewer.user_id)

    async def account_is_current(self) -> bool:
        """Whether the viewer's profile is still open with the role their token names."""
        viewer = self.viewer
        if viewer.user_id is None or viewer.role is None:
            return False
        if self._account_checked is None:
            self._account_checked = asyncio.ensure_future(
                account_is_current(viewer.user_id, viewer.role)
            )
        return await self._account_checked

    async def room(self, group_id: int | None) -> Room:
        """What of the group's words the viewer may see (all of the shared area's)."""
        if group_id is None:
            return EVERYTHING
        if group_id not in self._rooms:
            self._rooms[group_id] = await room_of(self.viewer.user_id, group_id)
        return self._rooms[group_id]

    async def group_roles(self) -> GroupRoles:
        """The viewer's groups, loaded once however many fields ask at the same moment."""
        if self._group_roles is None:
            self._group_roles = asyncio.ensure_future(load_group_roles(self.viewer.user_id))
        return await self._group_roles
