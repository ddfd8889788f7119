"""Settings: safe for a laptop with nothing set, loud about what production must not run on."""

from __future__ import annotations

import base64
import ipaddress
import json

import pytest

from settings import (
    DB_COMMAND_SECONDS,
    DB_CONNECT_SECONDS,
    DEVELOPMENT_GP_DETAILS_KEY,
    SettingsError,
    database_connection,
    load_settings,
)

SECRET = "s" * 40
KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_development_needs_no_environment():
    settings = load_settings({})

    assert settings.env == "development"
    assert settings.database_url.startswith("sqlite://")
    assert settings.database_url.endswith("data/haven.sqlite3")
    assert settings.broadcast_url == "memory://"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


PRODUCTION_MAIL = {
    "SMTP_URL": "smtp://mail.example.org:587",
    "APP_URL": "https://haven.example.org",
}


def test_production_starts_with_its_own_secrets():
    settings = load_settings(
        {
            "HAVEN_ENV": "production",
            "JWT_SECRET": SECRET,
            "GP_DETAILS_KEY": KEY,
            "PORT": "9000",
            **PRODUCTION_MAIL,
        }
    )

    assert settings.production
    assert settings.port == 9000
    assert not settings.introspection


def test_no_secret_is_printed_with_the_settings():
    settings = load_settings(
        {
            "JWT_SECRET": SECRET,
            "GP_DETAILS_KEY": KEY,
            "SMTP_URL": "smtp://haven:relay-password@mail.example.org:587",
            "DATABASE_URL": "postgres://haven:database-password@db.internal:5432/haven",
            "BROADCAST_URL": "redis://:redis-password@cache.internal:6379",
        }
    )

    printed = repr(settings)

    for secret in (SECRET, KEY, "relay-password", "database-password", "redis-password"):
        assert secret not in printed
    # The rest is there to read
    assert "postgres://haven:***@db.internal:5432/haven" in printed
    assert "smtp://haven:***@mail.example.org:587" in printed


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"HAVEN_ENV": "production", "GP_DETAILS_KEY": KEY}, "development JWT_SECRET"),
        ({"HAVEN_ENV": "production", "JWT_SECRET": SECRET}, "development GP_DETAILS_KEY"),
        (
            {
                "HAVEN_ENV": "production",
                "JWT_SECRET": SECRET,
                "GP_DETAILS_KEY": f"{KEY},{DEVELOPMENT_GP_DETAILS_KEY}",
            },
            "development GP_DETAILS_KEY",
        ),
        ({"JWT_SECRET": "short"}, "at least 32 bytes"),
        ({"GP_DETAILS_KEY": "not-a-key"}, "32 url-safe base64 bytes"),
        ({"HAVEN_ENV": "staging"}, "HAVEN_ENV"),
        ({"PORT": "eighty"}, "PORT"),
        ({"HOST": "0.0.0.0"}, "the development one is public"),
        ({"HAVEN_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"}, "HAVEN_TRUSTED_PROXIES"),
        ({"HAVEN_TRUSTED_PROXIES": "10.0.0.1/8"}, "has host bits set"),
        ({"HAVEN_ALLOWED_ORIGINS": "https://app.haven.example, *"}, "HAVEN_ALLOWED_ORIGINS"),
        ({"HAVEN_REQUEST_TIMEOUT": "0"}, "HAVEN_REQUEST_TIMEOUT"),
        ({"HAVEN_REQUEST_TIMEOUT": "soon"}, "HAVEN_REQUEST_TIMEOUT"),
        ({"HAVEN_PUBLISH_TIMEOUT": "3600"}, "HAVEN_PUBLISH_TIMEOUT"),
        ({"SESSION_MAX_MINUTES": "10"}, "SESSION_MAX_MINUTES"),
        ({"SESSION_MAX_MINUTES": "ninety"}, "SESSION_MAX_MINUTES"),
        ({"ACCESS_TOKEN_SECONDS": "5"}, "ACCESS_TOKEN_SECONDS"),
        ({"ACCESS_TOKEN_SECONDS": "a day"}, "ACCESS_TOKEN_SECONDS"),
        ({"SMTP_URL": "mail.example.org:25"}, "SMTP_URL must be smtp://"),
        ({"SMTP_URL": "smtp://"}, "SMTP_URL must name"),
        ({"APP_URL": "haven.example.org"}, "APP_URL"),
        ({"MAIL_FROM": "Haven"}, "MAIL_FROM"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        (
            {
                "HAVEN_ENV": "production",
                "JWT_SECRET": SECRET,
                "GP_DETAILS_KEY": KEY,
                "LOG_LEVEL": "debug",
                **PRODUCTION_MAIL,
            },
            "refuses LOG_LEVEL=DEBUG",
        ),
        (
            {"HAVEN_ENV": "production", "JWT_SECRET": SECRET, "GP_DETAILS_KEY": KEY},
            "production needs SMTP_URL",
        ),
        (
            {
                "HAVEN_ENV": "production",
                "JWT_SECRET": SECRET,
                "GP_DETAILS_KEY": KEY,
                "SMTP_URL": "smtp://mail.example.org",
            },
            "production needs APP_URL",
        ),
    ],
)
def test_unsafe_or_malformed_settings_refuse_to_load(environ, complaint):
    with pytest.raises(SettingsError, match=complaint):
        load_settings(environ)


def test_gp_details_keys_rotate_newest_first():
    older = base64.urlsafe_b64encode(b"o" * 32).decode()

    settings = load_settings({"GP_DETAILS_KEY": f"{KEY}, {older}"})

    assert settings.gp_details_keys == (KEY, older)


def test_no_proxy_is_trusted_unless_named():
    assert load_settings({}).trusted_proxies == ()


def test_trusted_proxies_are_addresses_and_networks():
    settings = load_settings({"HAVEN_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.10,2001:db8::/32"})

    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.10/32"),
        ipaddress.ip_network("2001:db8::/32"),
    )


def test_the_waits_on_dependencies_are_bounded_and_may_be_set():
    assert (load_settings({}).request_seconds, load_settings({}).publish_seconds) == (5.0, 1.0)
    chosen = load_settings({"HAVEN_REQUEST_TIMEOUT": "2.5", "HAVEN_PUBLISH_TIMEOUT": "0.25"})
    assert (chosen.request_seconds, chosen.publish_seconds) == (2.5, 0.25)

    bounded = database_connection("postgres://haven@db.internal:5432/haven")
    assert bounded["credentials"]["command_timeout"] == DB_COMMAND_SECONDS
    assert bounded["credentials"]["timeout"] == DB_CONNECT_SECONDS
    chosen_url = database_connection("postgres://haven@db/haven?command_timeout=10&timeout=3")
    assert chosen_url["credentials"]["command_timeout"] == 10.0
    assert chosen_url["credentials"]["timeout"] == 3.0


def test_a_live_session_may_stay_open_ninety_minutes_unless_set():
    assert load_settings({}).session_max_minutes == 90
    assert load_settings({"SESSION_MAX_MINUTES": "120"}).session_max_minutes == 120


def test_the_access_token_lifetime_is_a_setting():
    assert load_settings({}).access_token_seconds == 900
    assert load_settings({"ACCESS_TOKEN_SECONDS": "300"}).access_token_seconds == 300


def test_trusted_documents_must_be_what_their_keys_say(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(["query A { needs { name } }"]))
    bad.write_text(json.dumps({"0" * 64: "query A { needs { name } }"}))

    trusted = load_settings({"HAVEN_TRUSTED_DOCUMENTS": str(good)}).trusted_documents

    assert len(trusted) == 1
    with pytest.raises(SettingsError, match="not the SHA-256 of its document"):
        load_settings({"HAVEN_TRUSTED_DOCUMENTS": str(bad)})
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings({"HAVEN_TRUSTED_DOCUMENTS": str(tmp_path / "missing.json")})
