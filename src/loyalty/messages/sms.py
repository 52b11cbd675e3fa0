"""Text messages through an HTTP gateway, named by LOYALTY_SMS_GATEWAY:

- `twilio+https://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/?from=+41445551234`: Twilio's Messages API, or any
  gateway that speaks it: `POST /2010-04-01/Accounts/{sid}/Messages.json`, form fields To, From and Body,
  HTTP basic authentication with the account id and token;
- `webhook+https://user:password@sms.example/send`: a JSON `{"to", "text", "business_id", "member_id"}` POSTed to
  that URL (basic authentication when the URL carries a user).

Any 2xx answer is a sent message; anything else raises SmsNotSent, which `notify.deliver` logs.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from loyalty.settings import SettingsInvalid

TIMEOUT_SECONDS = 15
SCHEMES = ("twilio+https", "twilio+http", "webhook+https", "webhook+http")


class SmsNotSent(RuntimeError):
    """The gateway refused the message or could not be reached."""


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164
    text: str
    business_id: str
    member_id: str


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            answer.read()
    except urllib.error.HTTPError as refused:
        raise SmsNotSent(f"the SMS gateway answered {refused.code}") from None
    except (urllib.error.URLError, OSError) as unreachable:
        raise SmsNotSent(f"the SMS gateway could not be reached: {unreachable}") from None


class TwilioSms:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        sender = parse_qs(parts.query).get("from", [""])[0]
        if not (parts.hostname and parts.username and parts.password and sender):
            raise SettingsInvalid(
                "LOYALTY_SMS_GATEWAY: a Twilio URL needs the account, the token, the host and the sender, "
                "e.g. twilio+https://AC123:token@api.twilio.com/?from=%2B41445551234"
            )
        self.account = unquote(parts.username)
        self.token = unquote(parts.password)
        self.sender = sender
        scheme = parts.scheme.removeprefix("twilio+")
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        base = parts.path.rstrip("/")
        self.endpoint = f"{scheme}://{host}{base}/2010-04-01/Accounts/{quote(self.account)}/Messages.json"

    def send(self, message: TextMessage) -> None:
        body = urlencode({"To": message.to, "From": self.sender, "Body": message.text}).encode()
        _post(
            self.endpoint,
            body,
            {"Authorization": _basic(self.account, self.token), "Content-Type": "application/x-www-form-urlencoded"},
        )


class WebhookSms:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            raise SettingsInvalid(
                "LOYALTY_SMS_GATEWAY: a webhook URL needs a host, e.g. webhook+https://sms.example/send"
            )
        self.auth = _basic(unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        query = f"?{parts.query}" if parts.query else ""
        self.endpoint = f"{parts.scheme.removeprefix('webhook+')}://{host}{parts.path or '/'}{query}"

    def send(self, message: TextMessage) -> None:
        body = json.dumps(
            {"to": message.to, "text": message.text, "business_id": message.business_id, "member_id": message.member_id}
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        _post(self.endpoint, body, headers)


def gateway(url: str) -> TwilioSms | WebhookSms:
    """The gateway an URL of SCHEMES names; SettingsInvalid otherwise."""
    scheme = urlsplit(url).scheme
    if scheme.startswith("twilio+") and scheme in SCHEMES:
        return TwilioSms(url)
    if scheme.startswith("webhook+") and scheme in SCHEMES:
        return WebhookSms(url)
    raise SettingsInvalid(
        "LOYALTY_SMS_GATEWAY must be console, file:///path, twilio+https://SID:TOKEN@host/?from=…, "
        "or webhook+https://host/path"
    )
