"""Writing one imported member: found by `external_id`, created or set to the file's figures.

Every figure the file gives replaces what the member holds, through the ledger: points by transactions of kind
`import` (the lots held are taken and the file's lots put in their place, with their dates), credit by one of kind
`credit_import` for the difference. A member already as the file says is left untouched (`unchanged`), so
importing a file twice adds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from loyalty.db.ids import new_id
from loyalty.db.models import (
    Asset,
    Benefit,
    Business,
    ConsentChange,
    LedgerEntry,
    LedgerTransaction,
    Member,
    PointsLot,
)
from loyalty.db.rows import bulk_insert, insert_rows
from loyalty.errors import InvalidInput
from loyalty.members import access, consents
from loyalty.members import accounts as members
from loyalty.moving.rows import Lot, MemberRow, RowRejected
from loyalty.wallet import credit, ledger
from loyalty.wallet.ledger.posting import record_postings

REASON = "brought over by an import"


def apply(
    session: Session,
    business: Business,
    row: MemberRow,
    *,
    at: datetime,
    benefits: BenefitNames,
    known: set[str] | None = None,
) -> str:
    """Write the row: "created", "updated" or "unchanged"; RowRejected (nothing written by the caller's savepoint)
    when it cannot be. `known`: the external ids of the batch already in the database (read in one query), so a
    new member costs no lookup; None looks each one up."""
    member = None
    if known is None or row.external_id in known:
        member = session.scalar(
            select(Member).where(Member.business_id == business.id, Member.external_id == row.external_id)
        )
    profile = spelled(business, row.profile)
    wanted_benefits = benefits.resolve(session, row) if row.benefits is not None else None
    _check_lots(row.lots, at)
    if member is None:
        member_id = _create(session, business, row, profile, at)
        if wanted_benefits:
            insert_rows(session, Asset, _asset_rows(business, member_id, wanted_benefits, at), flush=False)
        if known is not None:
            known.add(row.external_id)
        return "created"
    if member.status == "erased":
        raise RowRejected("external_id", "belongs to a member whose data was erased")
    changed = _update_profile(session, business, member, profile, row, at)
    if row.lots is not None and not _same_lots(session, business, member, row.lots):
        _set_points(session, business, member.id, row.lots, row, at)
        changed = True
    if row.credit is not None and row.credit != member.credit_balance:
        credit.post(
            session,
            business=business,
            member_id=member.id,
            kind="credit_import",
            amount=row.credit - member.credit_balance,
            reason=REASON,
        )
        changed = True
    if wanted_benefits is not None and _set_benefits(session, business, member.id, wanted_benefits, at):
        changed = True
    return "updated" if changed else "unchanged"


def spelled(business: Business, profile: dict[str, Any]) -> dict[str, Any]:
    """The row's contact details spelled as the database keeps them; a bad one rejects the row."""
    spelled = dict(profile)
    try:
        if spelled.get("phone"):
            spelled["phone"] = members.normalise_phone(spelled["phone"], business.country)
        if "email" in spelled:
            spelled["email"] = members.normalise_email(spelled["email"])
        if "member_number" in spelled:
            spelled["member_number"] = members.normalise_member_number(spelled["member_number"])
        if "tags" in spelled:
            spelled["tags"] = members.normalise_tags(spelled["tags"])
    except InvalidInput as error:
        raise RowRejected(error.field, error.message.removeprefix(f"{error.field}: ")) from None
    return spelled


def _check_lots(lots: list[Lot] | None, at: datetime) -> None:
    for index, lot in enumerate(lots or []):
        if lot.expires_at is not None and lot.expires_at <= at:
            raise RowRejected(f"lots.{index}.expires_at", "has passed: expired points are not brought over")


def _clash(session: Session, business: Business, profile: dict[str, Any], member_id: uuid.UUID | None) -> None:
    """Another member already has this phone, e-mail or member number: the row is rejected, naming it."""
    wanted = {name: profile[name] for name in ("phone", "email", "member_number") if profile.get(name)}
    if not wanted:
        return
    query = select(Member.phone, Member.email, Member.member_number).where(
        Member.business_id == business.id, or_(*(getattr(Member, name) == value for name, value in wanted.items()))
    )
    if member_id is not None:
        query = query.where(Member.id != member_id)
    for found in session.execute(query.limit(3)):
        for name, value in wanted.items():
            if getattr(found, name) == value:
                raise RowRejected(name, f"another member already has this {name.replace('_', ' ')}")


class NewRows:
    """The rows that make new members, per table, written by one INSERT each (whether one member or a batch)."""

    TABLES = (Member, ConsentChange, LedgerTransaction, LedgerEntry, PointsLot, Asset)

    def __init__(self) -> None:
        self.rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in self.TABLES}

    def write(self, session: Session) -> None:
        for table in self.TABLES:  # in this order: each refers only to rows of the tables before it
            bulk_insert(session, table, self.rows[table])


def _create(session: Session, business: Business, row: MemberRow, profile: dict[str, Any], at: datetime) -> uuid.UUID:
    """One new member, checked and written (the per-row path: an update's neighbour, or a batch that met a race)."""
    _require_contact(profile)
    _clash(session, business, profile, None)
    new = NewRows()
    member_id = add_new(new, business, row, profile, at)
    new.write(session)
    return member_id


def _require_contact(profile: dict[str, Any]) -> None:
    if not profile.get("phone") and not profile.get("email"):
        raise RowRejected("phone", "a member needs a phone number or an e-mail address")


def add_new(new: NewRows, business: Business, row: MemberRow, profile: dict[str, Any], at: datetime) -> uuid.UUID:
    """The rows of a new member: the member with their balances, the ledger transactions that make them (each with
    its two entries), their lots, consents and wallet, which `loyalty verify` recomputes as for any member. No
    `joined` rules: they joined in the system they come from; their contacts were proven there, so here too."""
    joined = row.joined_at or at
    member_id = new_id()
    new.rows[Member].append(
        {
            "id": member_id,
            "business_id": business.id,
            "external_id": row.external_id,
            "phone": profile.get("phone"),
            "email": profile.get("email"),
            "member_number": profile.get("member_number"),
            "first_name": profile.get("first_name", ""),
            "last_name": profile.get("last_name", ""),
            "birthday": profile.get("birthday"),
            "status": profile.get("status", "active"),
            "tags": profile.get("tags", []),
            "consent_terms": row.consent.get("terms", False),
            "consent_sms": row.consent.get("sms", False),
            "consent_email": row.consent.get("email", False),
            "points_balance": sum(lot.points for lot in row.lots or []),
            "lifetime_points": 0,
            "credit_balance": row.credit or 0,
            "created_at": joined,
            "joined_at": joined,
            "phone_verified_at": at if profile.get("phone") else None,
            "email_verified_at": at if profile.get("email") else None,
        }
    )
    log = (
        [(entry.purpose, entry.given, entry.at) for entry in row.consent_log]
        if row.consent_log is not None
        else [(purpose, True, joined) for purpose, given in row.consent.items() if given]
    )
    new.rows[ConsentChange] += [
        {
            "id": new_id(),
            "business_id": business.id,
            "member_id": member_id,
            "purpose": purpose,
            "given": given,
            "at": moment,
            "source": "import",
        }
        for purpose, given, moment in log
    ]
    _opening_entries(new, business, member_id, row, at)
    return member_id


def _opening_entries(new: NewRows, business: Business, member_id: uuid.UUID, row: MemberRow, at: datetime) -> None:
    """A new member's points and credit, as the ledger would have posted them into an empty account."""
    postings = []
    points = sum(lot.points for lot in row.lots or [])
    if points:
        postings.append(("import", "member", ledger.COUNTER_ACCOUNT["import"], points))
    if row.credit:
        postings.append(("credit_import", credit.MEMBER_ACCOUNT, credit.COUNTER_ACCOUNT["credit_import"], row.credit))
    for kind, account, counter, amount in postings:
        transaction_id = new_id()
        new.rows[LedgerTransaction].append(
            {
                "id": transaction_id,
                "business_id": business.id,
                "kind": kind,
                "member_id": member_id,
                "purchase_id": None,
                "payment_id": None,
                "rule_id": None,
                "rule_revision": None,
                "reason": REASON,
                "created_at": at,
            }
        )
        for leg_account, leg_member, leg in ((account, member_id, amount), (counter, None, -amount)):
            new.rows[LedgerEntry].append(
                {
                    "id": new_id(),
                    "business_id": business.id,
                    "transaction_id": transaction_id,
                    "account": leg_account,
                    "member_id": leg_member,
                    "amount": leg,
                    "created_at": at,
                }
            )
        if kind == "import":
            new.rows[PointsLot] += _lot_rows(business, member_id, transaction_id, row, at)


def create_many(
    session: Session, business: Business, rows: list[MemberRow], *, at: datetime, benefits: BenefitNames
) -> list[uuid.UUID | RowRejected]:
    """New members (their external ids known to be new) checked together and written by one INSERT per table:
    per row, the new member's id or why the row is rejected. Contacts are checked against the database in one
    query and against the batch's earlier rows; a row rejected writes nothing. A concurrent writer that takes a
    contact in between makes the INSERT fail: the caller then writes the rows one by one."""
    outcomes: list[uuid.UUID | RowRejected | None] = []  # None: checked, the batch's query still to say
    checked: list[tuple[int, MemberRow, dict[str, Any], list[Any]]] = []
    for index, row in enumerate(rows):
        try:
            profile = spelled(business, row.profile)
            _require_contact(profile)
            _check_lots(row.lots, at)
            wanted = benefits.resolve(session, row) if row.benefits else []
        except RowRejected as rejected:
            outcomes.append(rejected)
            continue
        outcomes.append(None)
        checked.append((index, row, profile, wanted))
    taken = _taken(session, business, [profile for _, _, profile, _ in checked])
    new = NewRows()
    for index, row, profile, wanted in checked:
        clash = next(
            (
                name
                for name in ("phone", "email", "member_number")
                if profile.get(name) and profile[name] in taken[name]
            ),
            None,
        )
        if clash is not None:
            outcomes[index] = RowRejected(clash, f"another member already has this {clash.replace('_', ' ')}")
            continue
        member_id = add_new(new, business, row, profile, at)
        new.rows[Asset] += _asset_rows(business, member_id, wanted, at)
        for name in ("phone", "email", "member_number"):
            if profile.get(name):
                taken[name].add(profile[name])
        outcomes[index] = member_id
    new.write(session)
    return [outcome for outcome in outcomes if outcome is not None]


def _taken(session: Session, business: Business, profiles: list[dict[str, Any]]) -> dict[str, set[Any]]:
    """Which of these phones, e-mails and member numbers members of the business already have."""
    taken: dict[str, set[Any]] = {"phone": set(), "email": set(), "member_number": set()}
    for name in taken:
        values = {profile[name] for profile in profiles if profile.get(name)}
        if values:
            column = getattr(Member, name)
            taken[name] = set(
                session.scalars(select(column).where(Member.business_id == business.id, column.in_(values)))
            )
    return taken


def _update_profile(
    session: Session, business: Business, member: Member, profile: dict[str, Any], row: MemberRow, at: datetime
) -> bool:
    changes = {name: value for name, value in profile.items() if getattr(member, name) != value}
    if "phone" in changes or "email" in changes or "member_number" in changes:
        _clash(session, business, changes, member.id)
    phone = changes.get("phone", member.phone)
    email = changes.get("email", member.email)
    if not phone and not email:
        raise RowRejected("phone", "a member needs a phone number or an e-mail address")
    before = consents.current(member)
    after = {**before, **row.consent}
    consent_changed = after != before
    if not changes and not consent_changed:
        return False
    for name, value in changes.items():
        setattr(member, name, value)
    if "phone" in changes:
        member.phone_verified_at = at if member.phone else None
    if "email" in changes:
        member.email_verified_at = at if member.email else None
    for purpose, given in after.items():
        setattr(member, f"consent_{purpose}", given)
    session.flush()
    consents.log_changes(
        session, business_id=business.id, member_id=member.id, before=before, after=after, source="import", at=at
    )
    if "phone" in changes or "email" in changes:
        access.end_member_sessions(session, business_id=business.id, member_id=member.id, at=at)
    return True


# --- points ---------------------------------------------------------------------------------------


def _same_lots(
    session: Session, business: Business, member: Member, wanted: list[Lot], held: list[Any] | None = None
) -> bool:
    """The member holds exactly the file's lots (points, expiry, and the earning date where the file gives one);
    `held`: their lots (remaining, earned_at, expires_at) when already read."""
    if held is None:
        held = list(
            session.execute(
                select(PointsLot.remaining, PointsLot.earned_at, PointsLot.expires_at).where(
                    PointsLot.business_id == business.id, PointsLot.member_id == member.id, PointsLot.remaining > 0
                )
            ).all()
        )
    if member.points_balance != sum(lot.points for lot in wanted) or len(held) != len(wanted):
        return False
    unmatched = list(held)
    for lot in wanted:
        match = next(
            (
                index
                for index, (remaining, earned_at, expires_at) in enumerate(unmatched)
                if remaining == lot.points
                and expires_at == lot.expires_at
                and (lot.earned_at is None or earned_at == lot.earned_at)
            ),
            None,
        )
        if match is None:
            return False
        unmatched.pop(match)
    return True


def _set_points(
    session: Session, business: Business, member_id: uuid.UUID, wanted: list[Lot], row: MemberRow, at: datetime
) -> None:
    """Take what the member holds (an `import` transaction), then give the file's lots (another), dated as the
    file dates them."""
    balance = session.scalar(
        select(Member.points_balance).where(Member.business_id == business.id, Member.id == member_id)
    )
    if balance:
        ledger.post(
            session,
            business=business,
            member_id=member_id,
            kind="import",
            amount=-int(balance),
            cause=ledger.Cause(reason=f"{REASON}: the points held before"),
            may_go_negative=True,
        )
    total = sum(lot.points for lot in wanted)
    if not total:
        return
    recorded = record_postings(
        session,
        business=business,
        member_id=member_id,
        kind="import",
        postings=[(total, ledger.Cause(reason=REASON))],
        allow_negative=False,
        at=at,
    )
    assert recorded is not None
    insert_rows(session, PointsLot, _lot_rows(business, member_id, recorded[0][0].id, row, at, wanted))


def _lot_rows(
    business: Business,
    member_id: uuid.UUID,
    transaction_id: uuid.UUID,
    row: MemberRow,
    at: datetime,
    wanted: list[Lot] | None = None,
) -> list[dict[str, Any]]:
    """The file's lots: spendable from when they were earned, after the business's holding days if it holds
    points; expiring when the file says."""
    hold = timedelta(days=business.points_pending_days or 0)
    default_earned = row.joined_at or at
    rows = []
    for lot in wanted if wanted is not None else row.lots or []:
        earned = lot.earned_at or default_earned
        available = earned + hold
        rows.append(
            {
                "id": new_id(),
                "business_id": business.id,
                "member_id": member_id,
                "transaction_id": transaction_id,
                "purchase_id": None,
                "kind": "import",
                "amount": lot.points,
                "remaining": lot.points,
                "expired": 0,
                "written_off": 0,
                "earned_at": earned,
                "available_at": available,
                "expires_at": lot.expires_at,
                "expiring_at": lot.expires_at,
                "pending_until": available if available > at else None,
            }
        )
    return rows


# --- a batch already as the file says ------------------------------------------------------------


def unchanged(
    session: Session, business: Business, rows: list[MemberRow], *, at: datetime, benefits: BenefitNames
) -> set[str]:
    """The external ids of the rows whose members are already exactly as the file says: read with three queries for
    the batch, and written nothing. Any doubt (a row to reject, a difference) leaves the row to `apply`."""
    if not rows:
        return set()
    found = {
        member.external_id: member
        for member in session.scalars(
            select(Member).where(
                Member.business_id == business.id, Member.external_id.in_([row.external_id for row in rows])
            )
        )
    }
    ids = [member.id for member in found.values()]
    lots: dict[uuid.UUID, list[Any]] = {member_id: [] for member_id in ids}
    for lot in session.execute(
        select(PointsLot.member_id, PointsLot.remaining, PointsLot.earned_at, PointsLot.expires_at).where(
            PointsLot.business_id == business.id, PointsLot.member_id.in_(ids), PointsLot.remaining > 0
        )
    ):
        lots[lot.member_id].append((lot.remaining, lot.earned_at, lot.expires_at))
    assets: dict[uuid.UUID, list[Any]] = {member_id: [] for member_id in ids}
    if any(row.benefits is not None for row in rows):
        for asset in session.execute(
            select(Asset.member_id, Asset.benefit_id, Asset.granted_at, Asset.valid_until).where(
                Asset.business_id == business.id, Asset.member_id.in_(ids), Asset.status == "active"
            )
        ):
            assets[asset.member_id].append(asset)
    same = set()
    for row in rows:
        member = found.get(row.external_id)
        try:
            if member is None or member.status == "erased":
                continue
            profile = spelled(business, row.profile)
            _check_lots(row.lots, at)
            wanted = benefits.resolve(session, row) if row.benefits is not None else None
        except RowRejected:
            continue
        if any(getattr(member, name) != value for name, value in profile.items()):
            continue
        if any(getattr(member, f"consent_{purpose}") != given for purpose, given in row.consent.items()):
            continue
        if row.lots is not None and not _same_lots(session, business, member, row.lots, lots[member.id]):
            continue
        if row.credit is not None and row.credit != member.credit_balance:
            continue
        if wanted is not None and not _same_wallet(assets[member.id], wanted):
            continue
        same.add(row.external_id)
    return same


def _same_wallet(active: list[Any], wanted: list[tuple[uuid.UUID, datetime | None, datetime | None]]) -> bool:
    missing, unmatched = _paired(active, wanted)
    return not missing and not unmatched


def _paired(
    active: Sequence[Any], wanted: list[tuple[uuid.UUID, datetime | None, datetime | None]]
) -> tuple[list[tuple[uuid.UUID, datetime | None, datetime | None]], list[Any]]:
    """The file's wallet entries paired with the member's active ones: (the file's the member lacks, the member's the
    file does not list). An entry without a grant date pairs with one granted at any time."""
    missing = []
    unmatched = list(active)
    for benefit_id, granted_at, valid_until in wanted:
        match = next(
            (
                index
                for index, held in enumerate(unmatched)
                if held.benefit_id == benefit_id
                and held.valid_until == valid_until
                and (granted_at is None or held.granted_at == granted_at)
            ),
            None,
        )
        if match is None:
            missing.append((benefit_id, granted_at, valid_until))
        else:
            unmatched.pop(match)
    return missing, unmatched


# --- the wallet -----------------------------------------------------------------------------------


class BenefitNames:
    """The business's benefits by id and by name, read once per batch: a file from another system names them by
    its own ids, which a business maps by giving its benefits the same names."""

    def __init__(self, session: Session, business_id: uuid.UUID) -> None:
        self.by_key: dict[str, uuid.UUID] = {}
        for benefit_id, name, status in session.execute(
            select(Benefit.id, Benefit.name, Benefit.status).where(Benefit.business_id == business_id)
        ):
            self.by_key[str(benefit_id)] = benefit_id
            if status == "active":
                self.by_key.setdefault(f"name:{name}", benefit_id)

    def resolve(self, session: Session, row: MemberRow) -> list[tuple[uuid.UUID, datetime | None, datetime | None]]:
        resolved = []
        for entry in row.benefits or []:
            found = (
                self.by_key.get(entry.benefit.lower())
                or self.by_key.get(f"name:{entry.name}")
                or self.by_key.get(f"name:{entry.benefit}")
            )
            if found is None:
                raise RowRejected(f"{entry.field}.benefit_id", "is no benefit of this business (by id or by name)")
            resolved.append((found, entry.granted_at, entry.valid_until))
        return resolved


def _set_benefits(
    session: Session,
    business: Business,
    member_id: uuid.UUID,
    wanted: list[tuple[uuid.UUID, datetime | None, datetime | None]],
    at: datetime,
) -> bool:
    """The member's active wallet made the file's: entries it lacks added, entries it does not list withdrawn."""
    active = session.execute(
        select(Asset.id, Asset.benefit_id, Asset.granted_at, Asset.valid_until).where(
            Asset.business_id == business.id, Asset.member_id == member_id, Asset.status == "active"
        )
    ).all()
    missing, unmatched = _paired(active, wanted)
    if unmatched:
        session.execute(
            update(Asset)
            .where(Asset.business_id == business.id, Asset.id.in_([held.id for held in unmatched]))
            .values(status="deactivated")
            .execution_options(synchronize_session=False)
        )
    insert_rows(session, Asset, _asset_rows(business, member_id, missing, at))
    return bool(missing or unmatched)


def _asset_rows(
    business: Business,
    member_id: uuid.UUID,
    wanted: list[tuple[uuid.UUID, datetime | None, datetime | None]],
    at: datetime,
) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            "business_id": business.id,
            "member_id": member_id,
            "benefit_id": benefit_id,
            "status": "active",
            "source": "import",
            "granted_at": granted_at or at,
            "valid_from": granted_at or at,
            "valid_until": valid_until,
            "redeemed_at": None,
            "redeemed_purchase_id": None,
        }
        for benefit_id, granted_at, valid_until in wanted
    ]
