"""Settings, read once from the environment.

Development works with no environment at all: a SQLite file under ``data/``, the
in-process ``memory://`` broadcaster and well-known development secrets. Production
mode (``HAVEN_ENV=production``) refuses to start on any of those secrets, because a
secret printed in a public repository protects nothing.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.config_generator import expand_db_url

ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite://{ROOT / 'data' / 'haven.sqlite3'}"
DEFAULT_MAIL_DIR = ROOT / "data" / "mail"

# Public on purpose: good enough for a laptop, refused in production.
DEVELOPMENT_JWT_SECRET = "haven-development-jwt-secret-do-not-use-in-production"
DEVELOPMENT_GP_DETAILS_KEY = "aGF2ZW4tZGV2ZWxvcG1lbnQtZ3Ata2V5LTMyLWJ5dGU="

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_WAIT_SECONDS = 300  # a bound on waiting that waits longer than this bounds nothing
MIN_JWT_SECRET_BYTES = 32  # HS256 wants a key at least as long as its output (RFC 7518).

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(RuntimeError):
    """The environment describes a service that must not start."""


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    broadcast_url: str
    jwt_secret: str = field(repr=False)
    gp_details_keys: tuple[str, ...] = field(repr=False)
    host: str
    port: int
    allowed_origins: tuple[str, ...]
    introspection: bool
    trusted_proxies: tuple[Network, ...] = ()
    keep_answers: bool = True
    access_log: bool = False
    jwt_issuer: str = "haven"
    jwt_audience: str = "haven-api"
    access_token_seconds: int = 15 * 60
    refresh_token_seconds: int = 30 * 24 * 3600
    request_seconds: float = 5.0
    publish_seconds: float = 1.0
    session_max_minutes: int = 90
    # No SMTP server: e-mail is written as .eml files under ``mail_dir`` instead.
    smtp_url: str = ""  # may hold the relay's password: masked in repr, as in every URL
    mail_from: str = "Haven <no-reply@haven.localhost>"
    mail_dir: Path = DEFAULT_MAIL_DIR
    app_url: str = "http://127.0.0.1:8000"
    log_format: str = "text"  # "json" in production: one object a line
    events_kept_days: int = 30  # how far back an integration can pick up from
    # SHA-256 of each document the apps ship: when any, the only ones others may run.
    trusted_documents: frozenset[str] = frozenset()
    otel_endpoint: str = ""  # OTEL_EXPORTER_OTLP_ENDPOINT: when set, spans go there
    metrics_token: str = field(default="", repr=False)  # who may read /metrics in production
    log_level: str = "INFO"

    @property
    def production(self) -> bool:
        return self.env == "production"

    def __repr__(self) -> str:
        """Every setting, for logs and tracebacks, but never a secret: the keys are
        masked, and so is the password in any URL (a database's, a relay's)."""
        shown = []
        for setting in fields(self):
            value = getattr(self, setting.name)
            if not setting.repr:
                value = "***"
            elif isinstance(value, str) and "://" in value:
                value = without_password(value)
            shown.append(f"{setting.name}={value!r}")
        return f"Settings({', '.join(shown)})"


def without_password(url: str) -> str:
    """``url`` with the password in it, if any, masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def check_can_serve(settings: Settings, processes: int) -> None:
    """Refuse to serve where people's data would be lost or split: production keeps it in
    PostgreSQL, and several processes share one database and one pub/sub."""
    on_postgres = urlsplit(settings.database_url).scheme in ("postgres", "postgresql", "asyncpg")
    if settings.production and not on_postgres:
        raise SettingsError("production needs DATABASE_URL naming a PostgreSQL database")
    if processes > 1 and (not on_postgres or settings.broadcast_url.startswith("memory://")):
        raise SettingsError(
            "several processes need a shared database and pub/sub: set DATABASE_URL to "
            "PostgreSQL and BROADCAST_URL to Redis"
        )


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Build the settings from ``environ`` and refuse the combinations that are unsafe."""
    env = environ.get("HAVEN_ENV", "development")
    if env not in ("development", "production"):
        raise SettingsError(f"HAVEN_ENV must be 'development' or 'production', not {env!r}")
    production = env == "production"

    jwt_secret = environ.get("JWT_SECRET", DEVELOPMENT_JWT_SECRET)
    gp_keys = tuple(
        key.strip()
        for key in environ.get("GP_DETAILS_KEY", DEVELOPMENT_GP_DETAILS_KEY).split(",")
        if key.strip()
    )
    if len(jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
        raise SettingsError(f"JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long")
    if not gp_keys:
        raise SettingsError("GP_DETAILS_KEY must name at least one key")
    for key in gp_keys:
        _check_fernet_key(key)
    if production:
        if jwt_secret == DEVELOPMENT_JWT_SECRET:
            raise SettingsError("production refuses the development JWT_SECRET: set your own")
        if DEVELOPMENT_GP_DETAILS_KEY in gp_keys:
            raise SettingsError("production refuses the development GP_DETAILS_KEY: set your own")

    host = environ.get("HOST", "127.0.0.1")
    if host not in LOOPBACK and jwt_secret == DEVELOPMENT_JWT_SECRET:
        raise SettingsError(
            f"HOST={host} serves beyond this machine: set JWT_SECRET (the development one is "
            "public) or serve on 127.0.0.1"
        )

    port_text = environ.get("PORT", "8000")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SettingsError(f"PORT must be a TCP port number, not {port_text!r}")

    introspection_default = "staff" if production else "on"
    introspection = environ.get("HAVEN_INTROSPECTION", introspection_default)
    if introspection not in ("on", "staff"):
        raise SettingsError("HAVEN_INTROSPECTION must be 'on' or 'staff'")

    allowed_origins = tuple(
        origin.strip()
        for origin in environ.get("HAVEN_ALLOWED_ORIGINS", "").split(",")
        if origin.strip()
    )
    if "*" in allowed_origins:
        raise SettingsError(
            "HAVEN_ALLOWED_ORIGINS must name the origins of Haven's web clients: '*' would "
            "let a page on any site call Haven from its visitors' browsers"
        )

    keep_answers = _switch(environ, "HAVEN_KEEP_ANSWERS", "on")
    access_log = _switch(environ, "HAVEN_ACCESS_LOG", "off")
    request_seconds = _seconds(environ, "HAVEN_REQUEST_TIMEOUT", 5.0)
    publish_seconds = _seconds(environ, "HAVEN_PUBLISH_TIMEOUT", 1.0)
    session_max_text = environ.get("SESSION_MAX_MINUTES", "90")
    if not session_max_text.isdigit() or not 30 <= int(session_max_text) <= 24 * 60:
        raise SettingsError(
            "SESSION_MAX_MINUTES must be the minutes a live session may stay open, "
            f"from 30 to {24 * 60}, not {session_max_text!r}"
        )

    smtp_url, mail_from, app_url = _mail(environ, production, int(port_text))
    access_text = environ.get("ACCESS_TOKEN_SECONDS", "900")
    if not access_text.isdigit() or not 30 <= int(access_text) <= 3600:
        raise SettingsError(
            "ACCESS_TOKEN_SECONDS must be the seconds an access token lasts, from 30 to 3600, "
            f"not {access_text!r}"
        )

    log_format = environ.get("LOG_FORMAT", "json" if production else "text")
    if log_format not in ("json", "text"):
        raise SettingsError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    log_level = environ.get("LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")
    if production and log_level == "DEBUG":
        raise SettingsError(
            "production refuses LOG_LEVEL=DEBUG: the database's debug lines carry people's data"
        )

    kept_text = environ.get("EVENTS_KEPT_DAYS", "30")
    if not (kept_text.isascii() and kept_text.isdigit()) or not 1 <= int(kept_text) <= 366:
        raise SettingsError(f"EVENTS_KEPT_DAYS must be from 1 to 366 days, not {kept_text!r}")
    events_kept_days = int(kept_text)

    return Settings(
        env=env,
        database_url=environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        broadcast_url=environ.get("BROADCAST_URL", "memory://"),
        jwt_secret=jwt_secret,
        gp_details_keys=gp_keys,
        host=host,
        port=int(port_text),
        allowed_origins=allowed_origins,
        introspection=introspection == "on",
        trusted_proxies=_trusted_proxies(environ.get("HAVEN_TRUSTED_PROXIES", "")),
        keep_answers=keep_answers,
        access_log=access_log,
        request_seconds=request_seconds,
        publish_seconds=publish_seconds,
        session_max_minutes=int(session_max_text),
        access_token_seconds=int(access_text),
        smtp_url=smtp_url,
        mail_from=mail_from,
        mail_dir=Path(environ.get("MAIL_DIR", str(DEFAULT_MAIL_DIR))),
        app_url=app_url,
        log_format=log_format,
        log_level=log_level,
        metrics_token=environ.get("METRICS_TOKEN", ""),
        events_kept_days=events_kept_days,
        trusted_documents=_trusted_documents(environ.get("HAVEN_TRUSTED_DOCUMENTS", "")),
        otel_endpoint=environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
    )


def _trusted_documents(path: str) -> frozenset[str]:
    """The hashes of the documents in ``path``: a JSON object of SHA-256 to document text
    (the manifest Apollo's and Relay's tools write), or a list of document texts."""
    if not path:
        return frozenset()
    try:
        shipped = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise SettingsError(f"HAVEN_TRUSTED_DOCUMENTS: cannot read {path}: {error}") from None
    texts = list(shipped.values()) if isinstance(shipped, dict) else shipped
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or not texts:
        raise SettingsError("HAVEN_TRUSTED_DOCUMENTS must hold documents' texts")
    hashes = {hashlib.sha256(text.encode()).hexdigest() for text in texts}
    if isinstance(shipped, dict) and set(shipped) != hashes:
        raise SettingsError("HAVEN_TRUSTED_DOCUMENTS: a key is not the SHA-256 of its document")
    return frozenset(hashes)


def _mail(environ: Mapping[str, str], production: bool, port: int) -> tuple[str, str, str]:
    """Where e-mail goes, whom it is from, and where its links lead.

    Production needs a real relay and the public address of the app: files on a server
    nobody reads would leave an offered place, or an urgent alert, unheard of.
    """
    smtp_url = environ.get("SMTP_URL", "")
    if smtp_url and urlsplit(smtp_url).scheme not in ("smtp", "smtps"):
        raise SettingsError("SMTP_URL must be smtp://[user:password@]host[:port] or smtps://…")
    if smtp_url and not urlsplit(smtp_url).hostname:
        raise SettingsError("SMTP_URL must name the mail server's host")
    app_url = environ.get("APP_URL", f"http://127.0.0.1:{port}").rstrip("/")
    if urlsplit(app_url).scheme not in ("http", "https") or not urlsplit(app_url).hostname:
        raise SettingsError(f"APP_URL must be the http(s) address of the app, not {app_url!r}")
    if production:
        if not smtp_url:
            raise SettingsError("production needs SMTP_URL: e-mail must reach people")
        if urlsplit(app_url).scheme != "https" or urlsplit(app_url).hostname in LOOPBACK:
            raise SettingsError("production needs APP_URL, the https address people open")
    host = urlsplit(app_url).hostname or "haven.localhost"
    if host in LOOPBACK:
        host = "haven.localhost"
    mail_from = environ.get("MAIL_FROM", f"Haven <no-reply@{host}>")
    if "@" not in mail_from or "\n" in mail_from or "\r" in mail_from:
        raise SettingsError("MAIL_FROM must be an address such as 'Haven <no-reply@example.org>'")
    return smtp_url, mail_from, app_url


def _switch(environ: Mapping[str, str], name: str, default: str) -> bool:
    value = environ.get(name, default)
    if value not in ("on", "off"):
        raise SettingsError(f"{name} must be 'on' or 'off', not {value!r}")
    return value == "on"


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name, str(default))
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= MAX_WAIT_SECONDS:
        raise SettingsError(
            f"{name} must be a number of seconds above 0 and at most {MAX_WAIT_SECONDS}, "
            f"not {text!r}"
        )
    return seconds


def _trusted_proxies(text: str) -> tuple[Network, ...]:
    """The proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated.

    A mistyped entry must stop the start, not quietly trust nobody (every client would
    count as the proxy) or, worse, a wider network than meant: host bits set refuse too.
    """
    networks: list[Network] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as error:
            raise SettingsError(
                f"HAVEN_TRUSTED_PROXIES: {error} (give IP addresses or networks such as "
                "10.0.0.0/8, comma-separated)"
            ) from None
    return tuple(networks)


def _check_fernet_key(key: str) -> None:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise SettingsError(
            "each GP_DETAILS_KEY must be 32 url-safe base64 bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
        )


# A database that stops answering must not hold a request: each statement, and each
# new connection, gives up after these (asyncpg's own defaults wait without end, and
# a minute), unless DATABASE_URL sets ?command_timeout= and ?timeout= itself. SQLite
# waits for a writer up to its busy_timeout (models.database).
DB_COMMAND_SECONDS = 5.0
DB_CONNECT_SECONDS = 2


def database_connection(database_url: str, bounded: bool = True) -> str | dict[str, Any]:
    """The connection Tortoise opens: PostgreSQL's with its waits bounded, by the URL's
    ``?command_timeout=`` and ``?timeout=`` or by default (unless ``bounded`` is off)."""
    if not database_url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        return database_url
    config = expand_db_url(database_url)
    if bounded:  # asyncpg's client, waiting for a free connection a bounded time
        config["engine"] = "models.postgres"
    credentials = config["credentials"]
    defaults = {"command_timeout": DB_COMMAND_SECONDS, "timeout": DB_CONNECT_SECONDS}
    for name, default in defaults.items():
        if name in credentials:
            credentials[name] = float(credentials[name])  # asyncpg wants numbers
        elif bounded:
            credentials[name] = float(default)
    return config


def tortoise_config(database_url: str, bounded: bool = True) -> dict[str, Any]:
    """The Tortoise ORM configuration: one app, its models and its migrations. Migrations
    run ``bounded=False``: building an index on a grown table may take minutes."""
    return {
        "connections": {"default": database_connection(database_url, bounded)},
        "apps": {
            "haven": {
                "models": ["models"],
                "migrations": "migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


@functools.cache
def get_settings() -> Settings:
    """The settings of this process, read on first use (so a bad one fails loudly there)."""
    return load_settings()


def __getattr__(name: str) -> Any:
    # ``settings.TORTOISE_ORM`` is what Tortoise's own command line reads (pyproject.toml).
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings().database_url)
    raise AttributeError(name)
