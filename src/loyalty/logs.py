"""Structured logs, one JSON object a line, that never carry a key or a full phone number."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

# The request being answered (set by loyalty.api.request_ids), written on every line logged meanwhile.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What a log line must not carry: bearer keys, phone numbers and e-mail addresses. Nothing else is touched:
# times, dates, ids and amounts stay readable. A phone number is written the way people and E.164 write one:
# "+41 79 555 01 67", "+41795550167", "079 555 01 67", "(044) 555-0167": a +, a 0 or a bracket, then 7 to 15
# digits in all; it never sits inside a longer word, id or token.
_KEY = re.compile(r"lk_[a-z]+_[A-Za-z0-9_\-]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")
_PHONE = re.compile(r"(?<![\w\-:.])(?:\+|\(0|0)\d[\d \-().]{4,}\d(?![\w\-:])")


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "•••" + digits[-2:] if 7 <= len(digits) <= 15 else match.group()


def redact(text: str) -> str:
    text = _KEY.sub("lk_•••", text)
    text = _EMAIL.sub(lambda match: "•••@" + match.group(1), text)
    return _PHONE.sub(_phone, text)


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
        if (current := request_id.get()) is not None:
            entry.setdefault("request_id", current)
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
