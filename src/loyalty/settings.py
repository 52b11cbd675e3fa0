"""Settings from LOYALTY_* environment variables, validated once at start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SettingsInvalid(ValueError):
    """A LOYALTY_* variable has a value the server cannot start with."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///loyalty.db"
    # Failed identification attempts allowed per terminal and per business in one window.
    identify_failures_per_terminal: int = 20
    identify_failures_per_business: int = 200
    identify_window_seconds: int = 600
    # Phones, e-mails and member numbers that match nobody, allowed per terminal in the same window: ordinary
    # traffic ("not a member yet"), so a ceiling far above any till's pace that still stops a sweep of numbers.
    identify_lookups_per_terminal: int = 1000
    # Joins and login-code requests to the member app (each sends a text or an e-mail), per client address and per
    # business in one window.
    app_requests_per_client: int = 10
    app_requests_per_business: int = 300
    app_window_seconds: int = 3600
    # Where the member app's one-time login codes go: "console" or an SMTP URL.
    notifier: str = "console"
    smtp_from: str = "loyalty@localhost"
    log_level: str = "INFO"
    # Where login codes for a phone go: "" (the notifier above, when it is console or file), console, file:///…,
    # twilio+https://SID:TOKEN@api.twilio.com/?from=+41…, or webhook+https://user:pass@host/path.
    sms_gateway: str = ""
    # Request bodies larger than this are refused with 413 before they are read.
    max_body_bytes: int = 1_000_000
    # Failed promo-code entries allowed per terminal and per business in one window, as for identification.
    code_failures_per_terminal: int = 20
    code_failures_per_business: int = 200
    code_window_seconds: int = 600
    # GET /metrics (Prometheus text); LOYALTY_METRICS=off hides it.
    metrics: bool = True
    # Webhook addresses on loopback or private networks are refused unless LOYALTY_WEBHOOKS_ALLOW_PRIVATE=1.
    webhooks_allow_private: bool = False
    # `loyalty serve` runs a webhook delivery thread in each worker unless LOYALTY_WEBHOOKS_WORKER=off.
    webhooks_worker: bool = True

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        url = env.get("LOYALTY_DATABASE_URL") or f"sqlite:///{Path('loyalty.db').resolve()}"
        if not url.startswith(("sqlite", "postgresql")):
            raise SettingsInvalid(
                f"LOYALTY_DATABASE_URL must be sqlite:/// or postgresql+psycopg://, not {url.split(':')[0]}"
            )
        synchronous = (env.get("LOYALTY_SQLITE_SYNCHRONOUS") or "FULL").upper()
        if synchronous not in ("FULL", "NORMAL", "EXTRA"):
            raise SettingsInvalid(f"LOYALTY_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        return cls(
            database_url=url,
            identify_failures_per_terminal=_positive_int(env, "LOYALTY_IDENTIFY_FAILURES_PER_TERMINAL", 20),
            identify_failures_per_business=_positive_int(env, "LOYALTY_IDENTIFY_FAILURES_PER_BUSINESS", 200),
            identify_window_seconds=_positive_int(env, "LOYALTY_IDENTIFY_WINDOW_SECONDS", 600),
            identify_lookups_per_terminal=_positive_int(env, "LOYALTY_IDENTIFY_LOOKUPS_PER_TERMINAL", 1000),
            app_requests_per_client=_positive_int(env, "LOYALTY_APP_REQUESTS_PER_CLIENT", 10),
            app_requests_per_business=_positive_int(env, "LOYALTY_APP_REQUESTS_PER_BUSINESS", 300),
            app_window_seconds=_positive_int(env, "LOYALTY_APP_WINDOW_SECONDS", 3600),
            notifier=env.get("LOYALTY_NOTIFIER", "console"),
            smtp_from=env.get("LOYALTY_SMTP_FROM", "loyalty@localhost"),
            log_level=env.get("LOYALTY_LOG_LEVEL", "INFO").upper(),
            sms_gateway=env.get("LOYALTY_SMS_GATEWAY", ""),
            max_body_bytes=_positive_int(env, "LOYALTY_MAX_BODY_BYTES", 1_000_000),
            code_failures_per_terminal=_positive_int(env, "LOYALTY_CODE_FAILURES_PER_TERMINAL", 20),
            code_failures_per_business=_positive_int(env, "LOYALTY_CODE_FAILURES_PER_BUSINESS", 200),
            code_window_seconds=_positive_int(env, "LOYALTY_CODE_WINDOW_SECONDS", 600),
            metrics=_switch(env, "LOYALTY_METRICS", True),
            webhooks_allow_private=_switch(env, "LOYALTY_WEBHOOKS_ALLOW_PRIVATE", False),
            webhooks_worker=_switch(env, "LOYALTY_WEBHOOKS_WORKER", True),
        )


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsInvalid(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise SettingsInvalid(f"{name} must be positive, not {value}")
    return value


_ON = {"1", "on", "true", "yes"}
_OFF = {"0", "off", "false", "no"}


def _switch(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw not in _ON | _OFF:
        raise SettingsInvalid(f"{name} must be on or off (1 or 0), not {raw!r}")
    return raw in _ON
