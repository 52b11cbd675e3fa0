"""Structured logs, one JSON object a line, that never carry a key or a full phone number."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# Bearer keys and anything that looks like a phone number (7+ digits, spaces or dashes allowed).
_KEY = re.compile(r"lk_[a-z]+_[A-Za-z0-9_\-]+")
_PHONE = re.compile(r"\+?\d[\d \-().]{5,}\d")


def redact(text: str) -> str:
    text = _KEY.sub("lk_•••", text)
    return _PHONE.sub(lambda match: "•••" + re.sub(r"\D", "", match.group())[-2:], text)


class JsonFormatter(logging.Formatter):
    _skip = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in self._skip})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("loyalty")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
