"""GraphiQL's build, pinned: fetched once from the npm registry at install time, checked
against its published integrity, and served by Haven (``ide.page``), never from a CDN.

``python -m ide.assets`` (run by ``make install``) puts the few files the page needs,
with each package's licence, under ``ide/static/vendor/``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"
FETCH_SECONDS = 60


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity: sha512 of the tarball, base64
    files: tuple[str, ...]  # paths inside the tarball's package/ folder

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"

    @property
    def folder(self) -> Path:
        return VENDOR / f"{self.name}-{self.version}"


PACKAGES = (
    Package(
        "react",
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        ("umd/react.production.min.js", "LICENSE"),
    ),
    Package(
        "react-dom",
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        ("umd/react-dom.production.min.js", "LICENSE"),
    ),
    Package(
        "graphiql",
        "3.8.3",
        "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
        ("graphiql.min.js", "graphiql.min.css", "LICENSE"),
    ),
)


def asset_paths() -> list[str]:
    """Every file the page loads from the vendor folder, relative to it, in load order."""
    return [
        f"{package.folder.name}/{file}"
        for package in PACKAGES
        for file in package.files
        if file != "LICENSE"
    ]


def installed() -> bool:
    return all((package.folder / file).is_file() for package in PACKAGES for file in package.files)


def check_integrity(package: Package, tarball: bytes) -> None:
    algorithm, _, expected = package.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise ValueError(f"{package.name}@{package.version}: the tarball fails its integrity")


def unpack(package: Package, tarball: bytes) -> None:
    """Write the package's ``files`` into its folder, each whole or not at all."""
    package.folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for file in package.files:
            member = archive.extractfile(f"package/{file}")
            if member is None:
                raise ValueError(f"{package.name}@{package.version} has no {file}")
            target = package.folder / file
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(member.read())
            partial.replace(target)


def install() -> None:
    for package in PACKAGES:
        if all((package.folder / file).is_file() for file in package.files):
            continue
        with urllib.request.urlopen(package.tarball, timeout=FETCH_SECONDS) as response:
            tarball = response.read()
        check_integrity(package, tarball)
        unpack(package, tarball)
        print(f"GraphiQL assets: {package.name}@{package.version}", file=sys.stderr)


if __name__ == "__main__":
    try:
        install()
    except (OSError, ValueError) as error:
        sys.exit(f"Could not install GraphiQL's files from {REGISTRY}: {error}")
