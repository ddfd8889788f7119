"""Logging, configured once for the process and for uvicorn alike (``log_config``).

Lines are JSON in production (``LOG_FORMAT=json``), one object a line with ``time``,
``level``, ``logger``, ``message`` and ``request_id``, plus the fields a line was given
(an operation's name, type, duration, error codes, viewer): what a log pipeline indexes.
In development they are plain text for a person at a terminal.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from observe.requests import request_id

# The fields a line may carry beyond the standard ones: anything else given as ``extra``
# is left out of the JSON, so that no call can put a value there by accident.
FIELDS = ("operation", "operation_type", "duration_ms", "codes", "viewer")


class WithRequestId(logging.Filter):
    """Stamp each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class PlainLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


def log_config(log_format: str, level: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of a Haven process, uvicorn's loggers included."""
    formatter = {"()": JsonLines} if log_format == "json" else {"()": PlainLines}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "lines",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": WithRequestId}},
        "formatters": {"lines": formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # uvicorn's own handlers would print its lines a second time
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
