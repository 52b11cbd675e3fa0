"""Secrets and signatures per the Standard Webhooks specification, through its reference package: a secret is
`whsec_` + base64 of 24 random bytes; the signature is `v1,` + base64(HMAC-SHA256(secret, "id.timestamp.body"))."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def headers(secret: str, *, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three headers a receiver verifies, for `body` exactly as sent."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }
