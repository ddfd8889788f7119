"""The ``haven`` command as an operator runs it, against a database of its own."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

HAVEN = str(Path(sys.executable).parent / "haven")


def haven(*args: str, database: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROADCAST_URL")}
    environ.update(DATABASE_URL=f"sqlite://{database}", **env)
    return subprocess.run(
        [HAVEN, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_export_schema_prints_the_checked_in_schema(tmp_path):
    printed = haven("export-schema", database=tmp_path / "h.sqlite3")

    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (ROOT / "schema.graphql").read_text()


def test_migrate_seed_and_create_staff(tmp_path):
    database = tmp_path / "haven.sqlite3"

    migrated = haven("migrate", database=database)
    seeded = haven("seed-demo", database=database)
    seeded_again = haven("seed-demo", database=database)
    created = haven(
        "create-user",
        "--email=new.facilitator@example.org",
        "--password=a long enough password",
        "--profile-name=Dr New",
        "--role=FACILITATOR",
        "--bps-number=BPS-999999",
        database=database,
    )

    assert migrated.returncode == 0, migrated.stderr
    assert "demo data seeded" in seeded.stdout
    assert "manager@haven.example" in seeded.stdout
    assert "demo data seeded" not in seeded_again.stdout
    assert created.returncode == 0, created.stderr
    rows = sqlite3.connect(database).execute(
        "SELECT u.role, s.bps_registration_number FROM users u "
        "JOIN staff_details s ON s.user_id = u.id WHERE u.email = 'new.facilitator@example.org'"
    )
    assert rows.fetchall() == [("FACILITATOR", "BPS-999999")]
    groups = sqlite3.connect(database).execute("SELECT count(*) FROM groups").fetchone()
    assert groups == (4,)
    beside = sqlite3.connect(database).execute(
        "SELECT (SELECT count(*) FROM topic_categories), (SELECT count(*) FROM specialist_seats),"
        " (SELECT count(*) FROM centres)"
    )
    assert beside.fetchone() == (2, 1, 1)


def test_create_user_refuses_a_weak_password(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)

    refused = haven(
        "create-user",
        "--email=x@example.org",
        "--password=short",
        "--profile-name=Xavier",
        database=database,
    )

    assert refused.returncode != 0
    assert "at least 10 characters" in refused.stderr


def test_production_refuses_default_secrets_loudly(tmp_path):
    refused = haven("migrate", database=tmp_path / "h.sqlite3", HAVEN_ENV="production")

    assert refused.returncode != 0
    assert "refuses the development JWT_SECRET" in refused.stderr


def test_purge_expired_reports_what_it_would_erase(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)

    dry = haven("purge-expired", "--dry-run", database=database)
    real = haven("purge-expired", database=database)

    assert dry.returncode == 0, dry.stderr
    assert "would erase 0 profiles' details" in dry.stdout
    assert "erased 0 profiles' details" in real.stdout


def test_several_workers_need_a_shared_database_and_pub_sub(tmp_path):
    refused = haven("serve", "--workers", "2", database=tmp_path / "h.sqlite3")

    assert refused.returncode != 0
    assert "several processes need a shared database" in refused.stderr


def test_production_serves_from_postgresql_only(tmp_path):
    # Given production settings but the SQLite file a laptop uses
    production = {
        "HAVEN_ENV": "production",
        "JWT_SECRET": "production-secret-" + "y" * 40,
        "GP_DETAILS_KEY": "cHJvZHVjdGlvbnByb2R1Y3Rpb25wcm9kdWN0aW9ucHI=",
        "SMTP_URL": "smtp://mail.example.org",
        "APP_URL": "https://haven.example.org",
    }

    # When it is asked to serve
    refused = haven("serve", database=tmp_path / "h.sqlite3", **production)

    # Then it refuses, and says what it needs
    assert refused.returncode != 0
    assert "production needs DATABASE_URL naming a PostgreSQL database" in refused.stderr


def test_create_integration_prints_a_token_once(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)

    created = haven(
        "create-integration", "--name", "dashboard", "--scopes", "events:read", database=database
    )
    refused = haven(
        "create-integration", "--name", "greedy", "--scopes", "everything", database=database
    )

    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("hvn_int_")
    stored = sqlite3.connect(database).execute("SELECT token_hash FROM integrations").fetchall()
    assert len(stored) == 1
    assert token not in stored[0][0]
    assert refused.returncode != 0
    assert "unknown scopes" in refused.stderr


MIGRATIONS_CHECK = """
import asyncio
from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector
from settings import tortoise_config

async def main():
    config = tortoise_config("sqlite://:memory:")
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    print("pending:", [w.name for w in writers])

asyncio.run(main())
"""


def test_the_migrations_describe_the_models(tmp_path):
    checked = subprocess.run(
        [sys.executable, "-c", MIGRATIONS_CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "pending: []", "run `.venv/bin/tortoise makemigrations`"


def test_revoke_integration_by_name_or_id(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)
    for name in ("dashboard", "research"):
        haven("create-integration", "--name", name, "--scopes", "events:read", database=database)

    by_name = haven("revoke-integration", "--name", "dashboard", database=database)
    by_id = haven("revoke-integration", "--id", "2", database=database)

    assert by_name.returncode == 0, by_name.stderr
    assert "revoked integration dashboard (id 1)" in by_name.stdout
    assert by_id.returncode == 0, by_id.stderr
    assert "revoked integration research (id 2)" in by_id.stdout
    rows = sqlite3.connect(database).execute(
        "SELECT name FROM integrations WHERE revoked_at IS NOT NULL ORDER BY id"
    )
    assert rows.fetchall() == [("dashboard",), ("research",)]


def test_revoke_integration_says_when_nothing_matched(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)
    haven("create-integration", "--name", "dashboard", "--scopes", "events:read", database=database)

    unknown_name = haven("revoke-integration", "--name", "dashbord", database=database)
    unknown_id = haven("revoke-integration", "--id", "7", database=database)
    neither = haven("revoke-integration", database=database)

    assert unknown_name.returncode != 0
    assert "no integration with name 'dashbord'" in unknown_name.stderr
    assert unknown_id.returncode != 0
    assert "no integration with id 7" in unknown_id.stderr
    assert neither.returncode != 0
    assert "one of the arguments --id --name is required" in neither.stderr
    rows = sqlite3.connect(database).execute("SELECT revoked_at FROM integrations")
    assert rows.fetchall() == [(None,)]


def test_reseal_gp_details_reports_and_says_when_old_keys_may_go(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)
    new = "bmV3bmV3bmV3bmV3bmV3bmV3bmV3bmV3bmV3bmV3bmU="
    old = "b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2w="

    resealed = haven("reseal-gp-details", database=database, GP_DETAILS_KEY=f"{new},{old}")

    assert resealed.returncode == 0, resealed.stderr
    assert "GP details: 0 sealed again under the newest key, 0 already under it" in resealed.stdout
    assert "the others may now leave GP_DETAILS_KEY" in resealed.stdout


def test_an_integration_with_a_webhook_is_given_its_signing_secret_once(tmp_path):
    database = tmp_path / "haven.sqlite3"
    haven("migrate", database=database)

    created = haven(
        "create-integration",
        "--name",
        "warehouse",
        "--webhook",
        "http://127.0.0.1:9/hook",
        database=database,
    )
    refused = haven(
        "create-integration",
        "--name",
        "nowhere",
        "--webhook",
        "ftp://example.org/hook",
        database=database,
    )

    assert created.returncode == 0, created.stderr
    assert "whsec_" in created.stdout
    stored = sqlite3.connect(database).execute("SELECT url, secret FROM webhooks").fetchall()
    assert stored[0][0] == "http://127.0.0.1:9/hook"
    assert "whsec_" not in stored[0][1]  # sealed at rest
    assert refused.returncode != 0
    assert "a webhook's URL must be" in refused.stderr
