"""Importing a programme's members: dry runs, rejects, idempotent re-imports, updates through the ledger, lots
with their dates. Through `POST /v1/imports` on the database under test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import Business, ConsentChange, LedgerTransaction
from loyalty.moving import members as moving_members
from tests.conftest import Tenant
from tests.support.moving import (
    ledger_count,
    lots,
    member,
    members_count,
    ndjson,
    post_import,
    problems,
    wallet,
)
from tests.support.people import benefit, register

FUTURE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=200)
LATER = FUTURE + timedelta(days=100)
EARNED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

CSV = (
    "external_id,phone,email,first_name,last_name,points,points_expire_at,credit,consent_sms,tags\n"
    "C-1,079 111 11 11,,Ada,Lovelace,120.5,,25.00,true,vip;coffee\n"
    "C-2,,grace@example.com,Grace,Hopper,0,,0,false,\n"
)


def test_a_dry_run_says_what_would_change_and_writes_nothing(tenant: Tenant, db: Database) -> None:
    before = ledger_count(db, tenant)
    answer = post_import(tenant, CSV, fmt="csv", dry_run=True)
    assert answer == {
        "dry_run": True,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": [],
        "points": "120.50",
        "credit": "25.00",
    }
    assert members_count(db, tenant) == 0
    assert ledger_count(db, tenant) == before


def test_a_csv_import_creates_members_with_points_credit_consent_and_proven_contacts(
    tenant: Tenant, db: Database
) -> None:
    answer = post_import(tenant, CSV, fmt="csv")
    assert (answer["created"], answer["rejected"]) == (2, [])
    ada = member(db, tenant, "C-1")
    assert ada is not None
    assert (ada.phone, ada.first_name, ada.points_balance, ada.credit_balance) == ("+41791111111", "Ada", 12050, 2500)
    assert ada.tags == ["vip", "coffee"] and ada.consent_sms is True
    assert ada.phone_verified_at is not None  # proven: the till finds them by phone
    found = tenant.client.post("/v1/identify", json={"phone": "079 111 11 11"}, headers=tenant.pos)
    assert found.status_code == 200 and found.json()["id"] == str(ada.id)
    grace = member(db, tenant, "C-2")
    assert grace is not None and grace.phone is None and grace.email == "grace@example.com"
    assert grace.email_verified_at is not None
    with db.read() as session:
        kinds = set(session.scalars(select(LedgerTransaction.kind).where(LedgerTransaction.member_id == ada.id)))
        logged = session.execute(
            select(ConsentChange.purpose, ConsentChange.given, ConsentChange.source).where(
                ConsentChange.member_id == ada.id
            )
        ).all()
    assert kinds == {"import", "credit_import"}
    assert [tuple(row) for row in logged] == [("sms", True, "import")]
    assert problems(db, tenant) == []


def test_each_rejected_row_is_named_and_nothing_of_it_is_written(tenant: Tenant, db: Database) -> None:
    register(tenant, "079 222 22 22")
    body = ndjson(
        {"external_id": "R-1", "phone": "079 333 33 33", "lots": [{"points": "10"}]},
        {"external_id": "R-2", "phone": "12", "lots": [{"points": "10"}]},  # bad phone
        {"external_id": "R-3", "phone": "079 222 22 22"},  # another member has it
        {"external_id": "R-4", "phone": "079 333 33 33"},  # an earlier row has it
        {"external_id": "R-5", "email": "r5@example.com", "credit": "-5"},  # negative
        {"external_id": "R-6", "email": "r6@example.com", "benefits": [{"benefit_id": "Nothing like it"}]},
        {"external_id": "R-7", "email": "r7@example.com", "lots": [{"points": "10"}], "colour": "red"},
        {"phone": "079 444 44 44"},  # no external id
    )
    for dry_run in (True, False):
        answer = post_import(tenant, body, dry_run=dry_run)
        rejected = [(row["line"], row["external_id"], row["field"]) for row in answer["rejected"]]
        assert rejected == [
            (2, "R-2", "phone"),
            (3, "R-3", "phone"),
            (4, "R-4", "phone"),
            (5, "R-5", "credit"),
            (6, "R-6", "benefits.0.benefit_id"),
            (7, "R-7", "colour"),
            (8, None, "external_id"),
        ], dry_run
        assert all(row["reason"] for row in answer["rejected"])
        assert answer["created"] == 1
    assert members_count(db, tenant) == 2  # the registered member and R-1
    for external_id in ("R-2", "R-3", "R-4", "R-5", "R-6", "R-7"):
        assert member(db, tenant, external_id) is None


def test_importing_the_same_file_again_changes_nothing(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, name="Free coffee")
    body = ndjson(
        {
            "external_id": "I-1",
            "phone": "079 555 55 55",
            "first_name": "Ada",
            "lots": [
                {"points": "30", "earned_at": EARNED.isoformat(), "expires_at": FUTURE.isoformat()},
                {"points": "12.25", "earned_at": EARNED.isoformat(), "expires_at": None},
            ],
            "credit": "10.00",
            "benefits": [{"benefit_id": coffee["id"], "granted_at": EARNED.isoformat(), "valid_until": None}],
            "consent_email": True,
        },
        {"external_id": "I-2", "email": "i2@example.com", "points": "5"},
    )
    first = post_import(tenant, body)
    assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
    transactions = ledger_count(db, tenant)
    again = post_import(tenant, body)
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 2, [])
    assert ledger_count(db, tenant) == transactions
    ada = member(db, tenant, "I-1")
    assert ada is not None and (ada.points_balance, ada.credit_balance) == (4225, 1000)
    assert len(wallet(db, ada.id)) == 1


def test_a_changed_row_sets_the_member_to_the_files_figures_never_adding_twice(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, name="Free coffee")
    cake = benefit(tenant, name="Cake")
    row = {
        "external_id": "U-1",
        "phone": "079 666 66 66",
        "lots": [{"points": "50", "earned_at": EARNED.isoformat(), "expires_at": FUTURE.isoformat()}],
        "credit": "20.00",
        "benefits": [{"benefit_id": coffee["id"]}],
    }
    post_import(tenant, ndjson(row))
    ada = member(db, tenant, "U-1")
    assert ada is not None
    # Spent at the till since: the next import sets the figures, it does not add to them.
    tenant.client.post(
        f"/v1/members/{ada.id}/adjustments", json={"points": "-20", "reason": "spent"}, headers=tenant.admin
    )
    changed = row | {
        "first_name": "Ada",
        "lots": [{"points": "70", "earned_at": EARNED.isoformat(), "expires_at": LATER.isoformat()}],
        "credit": "5.50",
        "benefits": [{"benefit_id": "Cake"}],  # by name
    }
    answer = post_import(tenant, ndjson(changed))
    assert (answer["updated"], answer["rejected"]) == (1, [])
    ada = member(db, tenant, "U-1")
    assert ada is not None
    assert (ada.first_name, ada.points_balance, ada.credit_balance) == ("Ada", 7000, 550)
    assert [(remaining, expires) for remaining, _, _, expires in lots(db, ada.id)] == [(7000, LATER)]
    assert [name for name, _, _ in wallet(db, ada.id)] == ["Cake"]
    assert cake["id"]
    again = post_import(tenant, ndjson(changed))
    assert again["unchanged"] == 1
    ada = member(db, tenant, "U-1")
    assert ada is not None and (ada.points_balance, ada.credit_balance) == (7000, 550)
    assert problems(db, tenant) == []


def test_lots_keep_their_dates_and_are_pending_where_the_business_holds_points(tenant: Tenant, db: Database) -> None:
    def hold(session: object) -> None:
        business = session.get(Business, uuid.UUID(tenant.business_id))  # type: ignore[attr-defined]
        business.points_pending_days = 14

    db.write(hold)
    recent = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    body = ndjson(
        {
            "external_id": "L-1",
            "email": "l1@example.com",
            "lots": [
                {"points": "40", "earned_at": EARNED.isoformat(), "expires_at": FUTURE.isoformat()},
                {"points": "8", "earned_at": recent.isoformat(), "expires_at": LATER.isoformat()},
            ],
        }
    )
    post_import(tenant, body)
    ada = member(db, tenant, "L-1")
    assert ada is not None
    assert lots(db, ada.id) == [
        (4000, EARNED, EARNED + timedelta(days=14), FUTURE),
        (800, recent, recent + timedelta(days=14), LATER),
    ]
    shown = tenant.client.get(f"/v1/members/{ada.id}", headers=tenant.admin).json()
    assert shown["points_balance"] == "40.00"  # the 8 recent points are still pending
    assert problems(db, tenant) == []


def test_an_unknown_csv_column_is_a_422_naming_it(tenant: Tenant, db: Database) -> None:
    answer = tenant.client.post(
        "/v1/imports",
        content=b"external_id,favourite_colour\nX-1,red\n",
        headers=tenant.admin | {"Content-Type": "text/csv"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "favourite_colour"
    wrong = tenant.client.post("/v1/imports", content=b"{}", headers=tenant.admin | {"Content-Type": "text/plain"})
    assert wrong.status_code == 422
    assert (
        tenant.client.post(
            "/v1/imports", content=CSV.encode(), headers=tenant.pos | {"Content-Type": "text/csv"}
        ).status_code
        == 403
    )
    assert members_count(db, tenant) == 0


def test_only_an_admin_imports_exports_or_erases_whatever_the_door(tenant: Tenant, db: Database) -> None:
    import io

    import pytest

    from loyalty.errors import Forbidden
    from loyalty.members.access import KeyKindRefused, Principal
    from loyalty.moving import exporting, importing
    from loyalty.privacy import erasure, report

    pos = Principal(key_id=uuid.uuid4(), kind="pos", business_id=uuid.UUID(tenant.business_id))
    with pytest.raises(KeyKindRefused):
        importing.run(db, pos, io.StringIO(CSV), "csv", dry_run=False)
    with pytest.raises(KeyKindRefused):
        list(exporting.lines(db, pos, "ndjson"))
    with pytest.raises(KeyKindRefused):
        erasure.erase(db, pos, uuid.uuid4())
    with pytest.raises(KeyKindRefused):
        report.of_member(db, pos, uuid.uuid4())
    with pytest.raises(Forbidden):
        erasure.erase_mine(db, pos, confirm=True)
    assert members_count(db, tenant) == 0


def test_a_file_that_names_a_member_twice_ends_with_the_later_rows_figures(tenant: Tenant, db: Database) -> None:
    first = {"external_id": "T-1", "phone": "079 888 10 10", "points": "10", "credit": "1.00"}
    second = first | {"points": "25", "credit": "2.00"}
    dry = post_import(tenant, ndjson(first, second), dry_run=True)
    assert (dry["created"], dry["updated"], dry["rejected"]) == (1, 1, [])
    answer = post_import(tenant, ndjson(first, second))
    assert (answer["created"], answer["updated"], answer["rejected"]) == (1, 1, [])
    again = post_import(tenant, ndjson(second, first))
    assert (again["unchanged"], again["updated"]) == (1, 1)
    twice = member(db, tenant, "T-1")
    assert twice is not None and (twice.points_balance, twice.credit_balance) == (1000, 100)
    assert problems(db, tenant) == []


def test_a_batch_whose_insert_meets_a_taken_contact_is_written_row_by_row_naming_the_culprit(
    tenant: Tenant, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another writer takes a contact between the batch's check and its INSERT (or COPY): here the check is
    # made to see nothing, so the database's unique key is what refuses the batch.
    register(tenant, "079 222 22 22")
    monkeypatch.setattr(moving_members, "_taken", lambda *_: {"phone": set(), "email": set(), "member_number": set()})
    body = ndjson(
        {"external_id": "B-1", "phone": "079 333 33 33", "lots": [{"points": "10"}], "credit": "5"},
        {"external_id": "B-2", "phone": "079 222 22 22", "lots": [{"points": "20"}]},
        {"external_id": "B-3", "email": "b3@example.com", "lots": [{"points": "30"}]},
    )
    answer = post_import(tenant, body)
    assert answer["created"] == 2
    assert [(row["line"], row["external_id"], row["field"]) for row in answer["rejected"]] == [(2, "B-2", "phone")]
    assert member(db, tenant, "B-2") is None
    made = member(db, tenant, "B-1")
    assert made is not None and (made.points_balance, made.credit_balance) == (1000, 500)
    assert [lot[0] for lot in lots(db, made.id)] == [1000]
    assert problems(db, tenant) == []
