"""Terminals: a key inventing `X-Pos-Id`s made 120 terminals in seconds (each with its own limits of failed codes,
and the business's 1,000 then full, so a real new till was refused). Now a key makes at most 20 new terminals an hour
(429 with Retry-After, Como's 4290001), and admins list, rename and retire terminals at `/v1/terminals`."""

from __future__ import annotations

from loyalty.members.tills import NEW_TERMINALS_PER_KEY_HOUR as PER_HOUR
from tests.como.helpers import ComoTill
from tests.conftest import Tenant
from tests.support.people import register


def como(tenant: Tenant, pos: str) -> dict:
    till = ComoTill(tenant.client, tenant.pos_key, branch="shop", pos=pos)
    answer = tenant.client.post(
        "/api/v4/getMemberDetails", headers=till.headers, json={"customer": {"phoneNumber": "079 555 03 03"}}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def terminals(tenant: Tenant) -> list[dict]:
    answer = tenant.client.get("/v1/terminals", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def test_a_key_inventing_pos_ids_makes_only_so_many_terminals_an_hour(tenant: Tenant) -> None:
    register(tenant, "079 555 03 03")
    before = len(terminals(tenant))
    for index in range(PER_HOUR):
        assert como(tenant, f"P-{index}")["status"] == "ok"
    refused = como(tenant, f"P-{PER_HOUR}")
    assert refused["status"] == "error" and refused["errors"][0]["code"] == "4290001", refused
    assert "X-Pos-Id" in refused["errors"][0]["message"]
    for index in range(PER_HOUR):  # the known tills go on selling
        assert como(tenant, f"P-{index}")["status"] == "ok"
    made = terminals(tenant)
    assert len(made) == before + PER_HOUR
    invented = [row for row in made if row["external_id"] and row["external_id"].startswith("P-")]
    assert len(invented) == PER_HOUR and len({row["created_by_key_id"] for row in invented}) == 1


def test_any_como_call_naming_a_new_till_counts_and_an_admin_still_makes_terminals(tenant: Tenant) -> None:
    """/v1 terminals are made by admins; the limit is the pos key's, whichever Como call names the new till."""
    for index in range(PER_HOUR):
        como(tenant, f"Q-{index}")
    till = ComoTill(tenant.client, tenant.pos_key, branch="shop", pos=f"Q-{PER_HOUR}")
    answer = tenant.client.post(
        "/api/v4/getBenefits", headers=till.headers, json={"purchase": {"transactionId": "T", "items": []}}
    )
    assert answer.json()["errors"][0]["code"] == "4290001"
    # An admin still makes a terminal whenever needed, and a pos key for it.
    branch = terminals(tenant)[0]["branch_id"]
    made = tenant.client.post("/v1/terminals", headers=tenant.admin, json={"name": "Till 7", "branch_id": branch})
    assert made.status_code == 201, made.text


def test_admins_rename_and_retire_a_terminal_and_a_retired_one_sells_no_more(tenant: Tenant) -> None:
    register(tenant, "079 555 03 03")
    assert como(tenant, "R-1")["status"] == "ok"
    (row,) = [row for row in terminals(tenant) if row["external_id"] == "R-1"]
    renamed = tenant.client.patch(f"/v1/terminals/{row['id']}", headers=tenant.admin, json={"name": "Bar, left"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Bar, left"
    bad = tenant.client.patch(f"/v1/terminals/{row['id']}", headers=tenant.admin, json={"name": "x\u0000"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "name"
    retired = tenant.client.post(f"/v1/terminals/{row['id']}/retire", headers=tenant.admin)
    assert retired.status_code == 200 and retired.json()["retired_at"]
    again = como(tenant, "R-1")
    assert again["status"] == "error", again  # refused, not made again
    assert [r for r in terminals(tenant) if r["external_id"] == "R-1"] == [retired.json()]
    # A pos key may not do any of it.
    for method, path in (("GET", "/v1/terminals"), ("POST", f"/v1/terminals/{row['id']}/retire")):
        assert tenant.client.request(method, path, headers=tenant.pos).status_code == 403


def test_retiring_the_terminal_of_a_v1_key_revokes_that_key(tenant: Tenant) -> None:
    own = tenant.client.get("/v1/terminals", headers=tenant.admin).json()[0]
    assert tenant.client.post(f"/v1/terminals/{own['id']}/retire", headers=tenant.admin).status_code == 200
    sale = {"transaction_id": "T-1", "items": [{"line_id": "1", "code": "A", "amount": "5.00"}]}
    assert tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale).status_code == 401
