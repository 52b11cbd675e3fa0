"""Joining with someone else's phone: the code goes by SMS to that phone, never to the joiner's e-mail; a phone
finds a member at the till only once proven; codes go only where the member has proven they are."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from loyalty.db.engine import Database
from loyalty.db.models import Member
from tests.conftest import Tenant
from tests.support.outbox import Outbox
from tests.support.people import active_rule, register

VICTIM = "078 555 77 01"
VICTIM_E164 = "+41785557701"


def post(shop: Tenant, path: str, body: dict[str, Any]) -> Any:
    return shop.client.post(path.replace("{b}", shop.business_id), json=body)


def identify(shop: Tenant, **body: str) -> int:
    status: int = shop.client.post("/v1/identify", json=body, headers=shop.pos).status_code
    return status


def test_joining_with_a_strangers_phone_sends_the_code_to_that_phone_only(
    shop: Tenant, outbox: Outbox, db: Database
) -> None:
    active_rule(db, shop, trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}])
    attack = {"phone": VICTIM, "first_name": "Mallory", "email": "mallory@evil.example", "consent": {"terms": True}}
    assert post(shop, "/v1/app/{b}/register", attack).status_code == 202
    assert [(message.channel, message.address) for message in outbox.sent] == [("sms", VICTIM_E164)]
    # The attacker asks again, by their own e-mail address and by the phone: nothing reaches them.
    assert post(shop, "/v1/app/{b}/login", {"email": "mallory@evil.example"}).status_code == 202
    assert post(shop, "/v1/app/{b}/login", {"phone": VICTIM}).status_code == 202
    assert outbox.to("mallory@evil.example") == []
    assert {message.address for message in outbox.sent} == {VICTIM_E164}
    # Guessing is bounded by the code's tries, and the member is not found at the till in the meantime.
    for guess in ("000000", "111111", "222222", "333333", "444444", "555555"):
        post(shop, "/v1/app/{b}/login/verify", {"email": "mallory@evil.example", "code": guess})
    assert identify(shop, phone=VICTIM) == 404


def test_joining_with_a_members_phone_never_sends_their_code_to_the_joiners_address(
    shop: Tenant, outbox: Outbox
) -> None:
    register(shop, VICTIM, first_name="Ada")  # registered at the till: the phone is vouched for
    attack = {"phone": VICTIM, "first_name": "Mallory", "email": "mallory@evil.example", "consent": {"terms": True}}
    assert post(shop, "/v1/app/{b}/register", attack).status_code == 202
    assert [(message.channel, message.address) for message in outbox.sent] == [("sms", VICTIM_E164)]
    assert post(shop, "/v1/app/{b}/login", {"email": "mallory@evil.example"}).status_code == 202
    assert len(outbox.sent) == 1


def test_an_email_given_at_joining_is_not_proven_its_codes_go_to_the_proven_phone(shop: Tenant, outbox: Outbox) -> None:
    body = {"phone": "078 555 77 02", "first_name": "Grace", "email": "grace@example.com", "consent": {"terms": True}}
    post(shop, "/v1/app/{b}/register", body)
    joined = post(shop, "/v1/app/{b}/login/verify", {"phone": "078 555 77 02", "code": outbox.sent[-1].code})
    assert joined.status_code == 200
    assert identify(shop, phone="078 555 77 02") == 200
    post(shop, "/v1/app/{b}/login", {"email": "grace@example.com"})
    assert (outbox.sent[-1].channel, outbox.sent[-1].address) == ("sms", "+41785557702")


def test_a_member_proven_by_email_only_is_found_by_email_not_by_phone_and_logs_in_by_email(
    shop: Tenant, outbox: Outbox, db: Database
) -> None:
    member = register(shop, "078 555 77 03", email="eve@example.com")
    db.write(
        lambda session: session.execute(
            update(Member).where(Member.id == uuid.UUID(member["id"])).values(phone_verified_at=None)
        )
    )
    assert identify(shop, phone="078 555 77 03") == 404
    assert identify(shop, email="eve@example.com") == 200
    post(shop, "/v1/app/{b}/login", {"phone": "078 555 77 03"})
    assert (outbox.sent[-1].channel, outbox.sent[-1].address) == ("email", "eve@example.com")
    # Proving the phone later, by an SMS code that comes back, makes it find the member at the till.
    db.write(
        lambda session: session.execute(
            update(Member)
            .where(Member.id == uuid.UUID(member["id"]))
            .values(phone_verified_at=None, email_verified_at=None, status="pending")
        )
    )
    post(shop, "/v1/app/{b}/login", {"phone": "078 555 77 03"})
    assert outbox.sent[-1].channel == "sms"
    verified = post(shop, "/v1/app/{b}/login/verify", {"phone": "078 555 77 03", "code": outbox.sent[-1].code})
    assert verified.status_code == 200
    assert identify(shop, phone="078 555 77 03") == 200


def test_a_member_who_proved_nothing_is_sent_nothing(shop: Tenant, outbox: Outbox, db: Database) -> None:
    member = register(shop, "078 555 77 04", email="zed@example.com")
    db.write(
        lambda session: session.execute(
            update(Member)
            .where(Member.id == uuid.UUID(member["id"]))
            .values(phone_verified_at=None, email_verified_at=None)
        )
    )
    post(shop, "/v1/app/{b}/login", {"phone": "078 555 77 04"})
    post(shop, "/v1/app/{b}/login", {"email": "zed@example.com"})
    assert outbox.sent == []


def test_an_admin_who_types_a_new_number_vouches_for_it(shop: Tenant) -> None:
    member = register(shop, "078 555 77 05")
    changed = shop.client.patch(f"/v1/members/{member['id']}", json={"phone": "078 555 77 06"}, headers=shop.admin)
    assert changed.status_code == 200
    assert identify(shop, phone="078 555 77 06") == 200
