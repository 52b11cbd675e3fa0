"""Signatures exactly as the Standard Webhooks specification publishes them."""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks import Webhook

from loyalty.webhooks import signing


def test_the_specifications_published_example() -> None:
    # The example of the specification's reference libraries (standard-webhooks, libraries/*/ tests).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = signing.headers(
        secret,
        message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        at=datetime.fromtimestamp(1614265330, UTC),
        body='{"test": 2432232314}',
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_a_new_secret_verifies_its_own_signature() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and secret != signing.new_secret()
    body = '{"type":"member.created"}'
    headers = signing.headers(secret, message_id="evt_1", at=datetime.now(UTC), body=body)
    assert Webhook(secret).verify(body, headers) == {"type": "member.created"}
