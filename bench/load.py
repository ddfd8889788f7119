"""Load from wrk, a generator written in C, so the client costs the machine little.

A Python client on the same two cores would take as much time as the server it
measures; wrk with one thread and 16 connections leaves nearly a core to it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

SCRIPT = """
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization ~= nil and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end
"""
CONNECTIONS = 16
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


class NoLoadGenerator(RuntimeError):
    """wrk is not installed (``apt-get install wrk``; ``make bench`` tries it)."""


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    failed: int  # answers that were not 2xx, and socket errors


def post_body(query: str, variables: dict[str, object] | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def check_answer(url: str, body: str, token: str | None) -> None:
    """Ask once and refuse to measure an operation that answers with errors."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = httpx.post(url, content=body, headers=headers, timeout=30).json()
    if answer.get("errors"):
        raise RuntimeError(f"refusing to measure an operation that fails: {answer['errors']}")


def apply_load(url: str, body: str, token: str | None, seconds: float) -> Load:
    """POST ``body`` to ``url`` from wrk for ``seconds``; throughput and latency."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise NoLoadGenerator("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "post.lua"
        script.write_text(SCRIPT)
        environ = {
            **os.environ,
            "BENCH_BODY": body,
            "BENCH_AUTHORIZATION": f"Bearer {token}" if token else "",
        }
        output = subprocess.run(
            [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url],
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return Load(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_milliseconds(_find(r"\n\s+50%\s+([\d.]+\w+)", output)),
        p99_ms=_milliseconds(_find(r"\n\s+99%\s+([\d.]+\w+)", output)),
        failed=_failures(output),
    )


def _failures(output: str) -> int:
    refused = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    sockets = re.search(r"Socket errors:(.*)", output)
    socket_errors = sum(int(n) for n in re.findall(r"\d+", sockets.group(1))) if sockets else 0
    return (int(refused.group(1)) if refused else 0) + socket_errors


def _find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"wrk said something unexpected:\n{text}")
    return found.group(1)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]
