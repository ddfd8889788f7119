"""The ``haven`` command: serve, migrate, seed demo data, create users and integrations, revoke
integrations, purge, reseal under a new key, print the schema."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging.config
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable

from observe.logs import log_config
from settings import SettingsError, check_can_serve, get_settings, load_settings


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from subscriptions import sockets

    overrides = {"HOST": args.host, "PORT": str(args.port) if args.port else None}
    settings = load_settings({**os.environ, **{k: v for k, v in overrides.items() if v}})
    check_can_serve(settings, args.workers)
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker writes its samples here; /metrics adds them all up (observe.metrics).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="haven-metrics-")

    uvicorn.run(
        "app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        ws=sockets.PROTOCOL,
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        # Off: uvicorn's default would believe X-Forwarded-For from 127.0.0.1, so anyone on
        # the machine could pick their address. HAVEN_TRUSTED_PROXIES decides, in the app.
        proxy_headers=False,
        log_config=log_config(settings.log_format, settings.log_level),
        # Each request's line names the client's address: personal data, kept out of the
        # logs unless the operator asks for it.
        access_log=settings.access_log,
    )


def migrate(args: argparse.Namespace) -> None:
    from models.database import migrate_database

    asyncio.run(migrate_database(get_settings().database_url))
    print("database is up to date")


def with_database(work: Callable[[], Awaitable[None]]) -> None:
    from models.database import close_database, open_database

    async def run() -> None:
        await open_database(get_settings().database_url)
        try:
            await work()
        finally:
            await close_database()

    asyncio.run(run())


def seed_demo(args: argparse.Namespace) -> None:
    from demo import seed_demo_data

    if get_settings().production:
        sys.exit("seed-demo refuses to run in production: demo passwords are public")
    with_database(seed_demo_data)


def create_user(args: argparse.Namespace) -> None:
    from errors import HavenError
    from models import Role
    from resolvers.accounts import do_create_user

    password = args.password or getpass.getpass("Password: ")

    async def work() -> None:
        try:
            user = await do_create_user(
                args.email, password, args.profile_name, Role(args.role), args.bps_number
            )
        except HavenError as error:
            sys.exit(f"not created: {error.message}")
        print(f"created {user.role.value} {user.profile_name} <{user.email}> (id {user.id})")

    with_database(work)


def purge_expired(args: argparse.Namespace) -> None:
    from resolvers.retention import GP_DETAILS_KEPT_FOR, do_purge_expired

    async def work() -> None:
        report = await do_purge_expired(dry_run=args.dry_run)
        verb = "would erase" if args.dry_run else "erased"
        days = GP_DETAILS_KEPT_FOR.days
        print(f"GP details unused for {days} days: {verb} {len(report)} profiles' details")
        for erased in report:
            ids = ", ".join(map(str, erased.application_ids))
            print(f"  user {erased.user_id}: applications {ids}")

    with_database(work)


def reseal_gp_details(args: argparse.Namespace) -> None:
    from resolvers.resealing import do_reseal

    keys = get_settings().gp_details_keys

    async def work() -> None:
        report = await do_reseal(keys)
        for counts in report:
            print(
                f"{counts.what}: {counts.resealed} sealed again under the newest key, "
                f"{counts.current} already under it, {counts.unreadable} opened by no listed key"
            )
        if any(counts.unreadable for counts in report):
            sys.exit("keep every listed key: some values are opened by none of them")
        if len(keys) > 1:
            print("Every value is under the newest key: the others may now leave GP_DETAILS_KEY.")

    with_database(work)


def create_integration(args: argparse.Namespace) -> None:
    from auth.integrations import create_integration as register
    from resolvers.events import last_position
    from resolvers.webhooks import check_webhook_url, do_add_webhook
    from subscriptions.outbox import transaction

    settings = get_settings()
    if not args.scopes and not args.webhook:
        sys.exit("not created: give it --scopes to subscribe, or a --webhook to post to")

    async def work() -> None:
        try:
            if args.webhook:
                check_webhook_url(args.webhook, settings.production)
            async with transaction():  # the integration and its webhook, or neither
                integration, token = await register(args.name, args.scopes)
                if args.webhook:
                    _, secret = await do_add_webhook(
                        integration, args.webhook, settings, after=await last_position()
                    )
        except ValueError as error:
            sys.exit(f"not created: {error}")
        print(f"created integration {integration.name} (id {integration.id})")
        if args.scopes:
            print('its token, shown this once: connect with {"token": "<token>"} in')
            print("connection_init and subscribe to events:")
            print(token)
        if args.webhook:
            print(f"events from now on are posted to {args.webhook}, signed with this")
            print("secret, shown this once (see the Haven-Signature header in the README):")
            print(secret)

    with_database(work)


def enable_webhook(args: argparse.Namespace) -> None:
    from models import Integration
    from resolvers.webhooks import do_enable_webhook

    async def work() -> None:
        integration = await Integration.filter(name=args.name).first()
        if integration is None or not await do_enable_webhook(integration):
            sys.exit(f"not enabled: no integration named {args.name!r} with a webhook")
        print(f"the webhook of {args.name} is on again: it goes on from where it stopped")

    with_database(work)


def revoke_integration(args: argparse.Namespace) -> None:
    import subscriptions.hub
    from auth.integrations import revoke_integration as revoke

    named = f"id {args.id}" if args.id is not None else f"name {args.name!r}"

    async def work() -> None:
        # The servers' open streams hear of the revocation through the pub/sub.
        hub = subscriptions.hub.Hub(get_settings().broadcast_url)
        try:
            await hub.connect()
        except Exception as error:  # the backend's errors vary: revoke all the same
            print(
                f"haven: pub/sub unreachable ({error}); open streams end at their next event",
                file=sys.stderr,
            )
        else:
            subscriptions.hub.hub = hub
        try:
            integration = await revoke(integration_id=args.id, name=args.name)
        finally:
            subscriptions.hub.hub = None
            await hub.disconnect()
        if integration is None:
            sys.exit(f"not revoked: no integration with {named}")
        assert integration.revoked_at is not None
        print(
            f"revoked integration {integration.name} (id {integration.id}) "
            f"at {integration.revoked_at.isoformat()}: its token is refused from now on"
        )
        if hub.url.startswith("memory://"):
            print(
                "BROADCAST_URL is memory://, which reaches no server process: "
                "its open streams end at their next event"
            )

    with_database(work)


def export_schema(args: argparse.Namespace) -> None:
    from schema import printed_schema

    sys.stdout.write(printed_schema())


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="haven", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    command = commands.add_parser("serve", help="serve GraphQL at /graphql")
    command.add_argument("--host", help="default: $HOST or 127.0.0.1")
    command.add_argument("--port", type=int, help="default: $PORT or 8000")
    command.add_argument("--workers", type=int, default=1)
    command.set_defaults(run=serve)

    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=migrate)
    commands.add_parser("seed-demo", help="add demo data once").set_defaults(run=seed_demo)

    command = commands.add_parser("create-user", help="create a profile, staff included")
    command.add_argument("--email", required=True)
    command.add_argument("--password", help="prompted for when left out")
    command.add_argument("--profile-name", required=True)
    command.add_argument(
        "--role",
        default="MEMBER",
        choices=["MEMBER", "FACILITATOR", "ONLINE_MANAGER", "SPECIALIST"],
    )
    command.add_argument("--bps-number", help="a facilitator's BPS registration number")
    command.set_defaults(run=create_user)

    command = commands.add_parser("create-integration", help="a token for another system")
    command.add_argument("--name", required=True)
    command.add_argument("--scopes", nargs="*", default=[], help="e.g. events:read")
    command.add_argument("--webhook", help="an https URL to post each event to, signed")
    command.set_defaults(run=create_integration)

    command = commands.add_parser(
        "enable-webhook", help="turn back on a webhook turned off after failures"
    )
    command.add_argument("--name", required=True)
    command.set_defaults(run=enable_webhook)

    command = commands.add_parser(
        "revoke-integration", help="refuse an integration's token and end its streams"
    )
    which = command.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int)
    which.add_argument("--name")
    command.set_defaults(run=revoke_integration)

    command = commands.add_parser(
        "purge-expired", help="erase GP details two years after their profile's last use"
    )
    command.add_argument("--dry-run", action="store_true", help="report, erase nothing")
    command.set_defaults(run=purge_expired)

    commands.add_parser(
        "reseal-gp-details",
        help="seal stored GP details, numbers and evidence again under the newest key",
    ).set_defaults(run=reseal_gp_details)

    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(
        run=export_schema
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
        logging.config.dictConfig(log_config(settings.log_format, settings.log_level))
        args.run(args)
    except SettingsError as error:
        sys.exit(f"haven: {error}")
