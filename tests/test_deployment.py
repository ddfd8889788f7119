"""The container and the compose file agree with the settings the code reads.

No Docker engine runs the tests, so they read ``Dockerfile`` and ``compose.yaml`` as an
operator's tools would, and check what would break at start: a setting the code never
reads (a typo), one production needs but is missing, a health check on a path Haven does
not serve.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from cryptography.fernet import Fernet

from app import create_app
from settings import check_can_serve, load_settings
from tests.conftest import ROOT

HAVEN_SERVICES = ("migrate", "haven-1", "haven-2")
INTERPOLATION = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


class ReadingEnviron(Mapping[str, str]):
    """An environment that remembers which names were looked up in it."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        self.asked.add(str(name))
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def operator_values() -> dict[str, str]:
    """What an operator puts in .env: fresh secrets, as .env.example says to make them."""
    return {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "GP_DETAILS_KEY": Fernet.generate_key().decode(),
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }


def interpolate(text: str, values: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, kind, fallback = match.groups()
        if name in values:
            return values[name]
        assert kind != "?", f"{name} must be set: {fallback}"
        return fallback or ""

    return INTERPOLATION.sub(one, text)


def compose(values: Mapping[str, str]) -> dict[str, Any]:
    return yaml.safe_load(interpolate((ROOT / "compose.yaml").read_text(), values))


def test_every_required_variable_is_in_the_example_env():
    required = {m[0] for m in INTERPOLATION.findall((ROOT / "compose.yaml").read_text()) if m[1]}
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }

    assert {"POSTGRES_PASSWORD", "JWT_SECRET", "GP_DETAILS_KEY", "METRICS_TOKEN"} <= required
    assert required - {"HAVEN_ALLOWED_ORIGINS"} <= example


def test_the_haven_services_start_as_production_with_what_they_are_given():
    services = compose(operator_values())["services"]
    for name in HAVEN_SERVICES:
        environment = {k: str(v) for k, v in services[name]["environment"].items()}
        environ = ReadingEnviron(environment)

        settings = load_settings(environ)

        unread = set(environment) - environ.asked
        assert unread == set(), f"{name} sets what Haven never reads: {unread}"
        assert settings.production
        check_can_serve(settings, processes=2)  # raises if production would refuse
        assert settings.metrics_token
        assert settings.log_format == "json"


def test_the_proxy_is_the_one_trusted_and_balances_both_processes():
    services = compose(operator_values())["services"]
    proxy_address = services["proxy"]["networks"]["haven"]["ipv4_address"]
    upstreams = [
        services["proxy"]["command"][i + 1]
        for i, word in enumerate(services["proxy"]["command"])
        if word == "--to"
    ]

    for name in ("haven-1", "haven-2"):
        trusted = services[name]["environment"]["HAVEN_TRUSTED_PROXIES"]
        assert trusted == f"{proxy_address}/32"
    assert upstreams == ["haven-1:8000", "haven-2:8000"]


def test_the_image_serves_in_production_as_nobody_in_particular():
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile.split("\nFROM ")[-1]  # the last stage is what runs
    paths = {route.path for route in create_app(load_settings({})).routes}  # type: ignore[attr-defined]
    checked = re.search(r"HEALTHCHECK.*?127\.0\.0\.1:8000(/\w+)", runtime, re.S)

    assert "USER haven" in runtime
    assert "HAVEN_ENV=production" in runtime
    assert 'CMD ["haven", "serve"]' in runtime
    assert checked is not None
    assert checked.group(1) in paths
    assert "python -m ide.assets" in dockerfile  # GraphiQL's files are in the image
    # Everything the package installs is copied into the build
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package in project["packages"]["find"]["include"]:
        assert f"COPY {package.rstrip('*')} {package.rstrip('*')}" in dockerfile
    modules = re.search(r"COPY ([\w. ]+\.py) \./", dockerfile)
    assert modules is not None
    assert set(modules.group(1).split()) == {f"{m}.py" for m in project["py-modules"]}
