"""Promo codes: one shared code ("SUMMER10", many uses) or a batch of one-time codes.

A code either puts a benefit in play (in a sale, or in the wallet when used outside one) or, with
`effect="trigger"`, fires the `code_used` rules for the member. Codes are kept trimmed and in upper case, so
what a cashier types matches whatever the case. A use is counted with a guarded
`UPDATE promo_code SET uses = uses + 1 WHERE ... uses < max_uses` whose row count decides: two tills racing for
a one-time code get exactly one success (reliability promise I5).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.db import scoped
from loyalty.db.models import Asset, Business, CodeBatch, CodeUse, Member, PromoCode
from loyalty.errors import Conflict, InvalidInput, NotFound, Refused
from loyalty.members import accounts as members
from loyalty.sale import awards
from loyalty.wallet import benefits

EFFECTS = ("benefit", "trigger")
# Bulk codes are read off paper and typed in: no 0/O, 1/I/L to confuse.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHARED_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,63}$")
MAX_BATCH = 10_000
MIN_LENGTH, MAX_LENGTH = 6, 32


class CodeNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("code")


class CodeExists(Conflict):
    def __init__(self) -> None:
        super().__init__("code_exists", "This code already exists in the business.", field="code")


class CodeRefused(Refused):
    """The code cannot be used now; `reason` is a sentence for the cashier (unknown, expired, used up...)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, f"This code cannot be used: {reason}.", field="code", reason=reason)
        self.reason = reason


# "Unknown" and "used up" read the same to a till: its answers do not tell a guesser which codes exist.
GUESSES = frozenset({"code_unknown", "code_used_up"})
ALIKE_REASON = "unknown or already used"


def discreet(refusal: CodeRefused) -> CodeRefused:
    """The refusal as a till sees it."""
    return CodeRefused("code_unknown", ALIKE_REASON) if refusal.code in GUESSES else refusal


def normalise(text: str) -> str:
    """The one spelling a code is stored, compared and counted in: compatibility forms folded (full-width
    "ＦＩＶＥ" is "FIVE"), trimmed, upper case."""
    return unicodedata.normalize("NFKC", text).strip().upper()


# --- making codes ---------------------------------------------------------------------------------


def _check_target(
    session: Session, *, business: Business, benefit_id: uuid.UUID | None, effect: str
) -> uuid.UUID | None:
    if effect not in EFFECTS:
        raise InvalidInput("effect", f"must be one of {', '.join(EFFECTS)}")
    if effect == "trigger":
        if benefit_id is not None:
            raise InvalidInput("benefit_id", 'does not go with "effect": "trigger" (the rules decide what it gives)')
        return None
    if benefit_id is None:
        raise InvalidInput("benefit_id", 'is required, or "effect": "trigger" to fire the code_used rules')
    try:
        benefits.get(session, business_id=business.id, benefit_id=benefit_id)
    except benefits.BenefitNotFound:
        raise InvalidInput("benefit_id", "is not a benefit of this business") from None
    return benefit_id


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The validity window in UTC, as it is stored (and so answered the same at creation and later)."""
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise InvalidInput("valid_until", "must be after valid_from")
    try:
        return (
            valid_from.astimezone(UTC) if valid_from else None,
            valid_until.astimezone(UTC) if valid_until else None,
        )
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last representable UTC moment
        raise InvalidInput("valid_until" if valid_until else "valid_from", "is too far in the future") from None


def create(
    session: Session,
    *,
    business: Business,
    code: str,
    benefit_id: uuid.UUID | None = None,
    effect: str = "benefit",
    max_uses: int | None = None,
    max_uses_per_member: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    at: datetime,
) -> PromoCode:
    """One shared code. The caller audits."""
    text = normalise(code)
    if not SHARED_CODE.match(text):
        raise InvalidInput("code", "must be 3 to 64 letters, digits, - or _, starting with a letter or digit")
    target = _check_target(session, business=business, benefit_id=benefit_id, effect=effect)
    valid_from, valid_until = _check_window(valid_from, valid_until)
    for name, value in (("max_uses", max_uses), ("max_uses_per_member", max_uses_per_member)):
        if value is not None and value < 1:
            raise InvalidInput(name, "must be 1 or more, or absent for no limit")
    if session.scalar(select(PromoCode.id).where(PromoCode.business_id == business.id, PromoCode.code == text)):
        raise CodeExists()
    promo = PromoCode(
        business_id=business.id,
        code=text,
        effect=effect,
        benefit_id=target,
        max_uses=max_uses,
        max_uses_per_member=max_uses_per_member,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=at,
    )
    try:
        with session.begin_nested():  # the unique index decides between two admins creating the same code
            session.add(promo)
            session.flush()
    except IntegrityError:
        raise CodeExists() from None
    return promo


def create_batch(
    session: Session,
    *,
    business: Business,
    count: int,
    length: int = 8,
    benefit_id: uuid.UUID | None = None,
    effect: str = "benefit",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    at: datetime,
) -> tuple[CodeBatch, list[str]]:
    """`count` one-time codes of `length` characters from the readable alphabet. The caller audits."""
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput("count", f"must be between 1 and {MAX_BATCH}")
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise InvalidInput("length", f"must be between {MIN_LENGTH} and {MAX_LENGTH}")
    target = _check_target(session, business=business, benefit_id=benefit_id, effect=effect)
    valid_from, valid_until = _check_window(valid_from, valid_until)
    batch = CodeBatch(business_id=business.id, benefit_id=target, count=count, length=length, created_at=at)
    session.add(batch)
    session.flush()
    made: list[str] = []
    wanted = set[str]()
    while len(made) < count:
        fresh = {"".join(secrets.choice(ALPHABET) for _ in range(length)) for _ in range(count - len(made))}
        fresh -= wanted
        for chunk in _chunks(sorted(fresh), 500):
            taken = set(
                session.scalars(
                    select(PromoCode.code).where(PromoCode.business_id == business.id, PromoCode.code.in_(chunk))
                )
            )
            made += [code for code in chunk if code not in taken]
        wanted |= fresh
    made = made[:count]
    session.execute(
        insert(PromoCode),
        [
            {
                "business_id": business.id,
                "code": code,
                "effect": effect,
                "benefit_id": target,
                "batch_id": batch.id,
                # One-time: the single use is the limit, for an identified member or not.
                "max_uses": 1,
                "max_uses_per_member": None,
                "uses": 0,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "created_at": at,
            }
            for code in made
        ],
    )
    return batch, made


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


# --- reading codes --------------------------------------------------------------------------------


def get(session: Session, *, business_id: uuid.UUID, code_id: uuid.UUID) -> PromoCode:
    found = scoped.get(session, PromoCode, code_id, business_id=business_id)
    if found is None or found.business_id != business_id:
        raise CodeNotFound()
    return found


def batch(session: Session, *, business_id: uuid.UUID, batch_id: uuid.UUID) -> CodeBatch:
    found = scoped.get(session, CodeBatch, batch_id, business_id=business_id)
    if found is None or found.business_id != business_id:
        raise NotFound("batch")
    return found


@dataclass(frozen=True)
class Page:
    codes: list[PromoCode]
    next_cursor: str | None


def listing(
    session: Session,
    *,
    business_id: uuid.UUID,
    batch_id: uuid.UUID | None = None,
    include_batches: bool = False,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> Page:
    """Shared codes (and, with `include_batches` or a `batch_id`, one-time ones), newest first."""
    query = select(PromoCode).where(PromoCode.business_id == business_id)
    if batch_id is not None:
        query = query.where(PromoCode.batch_id == batch_id)
    elif not include_batches:
        query = query.where(PromoCode.batch_id.is_(None))
    rows = list(session.scalars(paging.newest_first(query, PromoCode.created_at, PromoCode.id, cursor, limit)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, paging.encode(rows[-1].created_at, rows[-1].id) if more and rows else None)


def batch_csv(session: Session, *, business: Business, batch_id: uuid.UUID) -> str:
    """The batch's codes as CSV for printing or mailing: code, used, valid_from, valid_until."""
    found = batch(session, business_id=business.id, batch_id=batch_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "used", "valid_from", "valid_until"])
    query = select(PromoCode).where(PromoCode.business_id == business.id, PromoCode.batch_id == found.id)
    for promo in session.scalars(query.order_by(PromoCode.code)):
        writer.writerow(
            [
                promo.code,
                "yes" if promo.uses >= (promo.max_uses or 1) else "no",
                promo.valid_from.isoformat() if promo.valid_from else "",
                promo.valid_until.isoformat() if promo.valid_until else "",
            ]
        )
    return out.getvalue()


# --- using codes ----------------------------------------------------------------------------------


def _day(session: Session, business_id: uuid.UUID, moment: datetime) -> str:
    business = session.get(Business, business_id)
    zone = ZoneInfo(business.timezone if business else "UTC")
    return moment.astimezone(zone).date().isoformat()


def _member_uses(session: Session, promo: PromoCode, member_id: uuid.UUID) -> int:
    query = select(func.count()).where(
        CodeUse.business_id == promo.business_id,
        CodeUse.code_id == promo.id,
        CodeUse.member_id == member_id,
        CodeUse.released_at.is_(None),
    )
    return int(session.scalar(query) or 0)


def _why_not(session: Session, promo: PromoCode, member_id: uuid.UUID | None, at: datetime) -> CodeRefused | None:
    if promo.valid_from is not None and at < promo.valid_from:
        return CodeRefused(
            "code_not_yet_valid", f"not valid before {_day(session, promo.business_id, promo.valid_from)}"
        )
    if promo.valid_until is not None and at >= promo.valid_until:
        return CodeRefused("code_expired", f"expired on {_day(session, promo.business_id, promo.valid_until)}")
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        return CodeRefused("code_used_up", "already used" if promo.max_uses == 1 else "all its uses are spent")
    if member_id is None and (promo.effect == "trigger" or promo.max_uses_per_member is not None):
        return CodeRefused("code_needs_member", "identify the member first")
    if (
        member_id is not None
        and promo.max_uses_per_member is not None
        and _member_uses(session, promo, member_id) >= promo.max_uses_per_member
    ):
        return CodeRefused("code_already_used_by_member", "already used by this member")
    return None


def find_usable(
    session: Session, *, business_id: uuid.UUID, text: str, member_id: uuid.UUID | None, at: datetime
) -> PromoCode:
    """The code `text` names (any case, spaces around ignored) if it can be used now by this member.

    Raises CodeRefused (422, with `.reason`): unknown, not yet valid, expired, used up, already used by this
    member, or a member is needed. Reads only; `use` spends.
    """
    promo = session.scalar(
        select(PromoCode).where(PromoCode.business_id == business_id, PromoCode.code == normalise(text))
    )
    if promo is None:
        raise CodeRefused("code_unknown", "unknown code")
    refusal = _why_not(session, promo, member_id, at)
    if refusal is not None:
        raise refusal
    return promo


def use(
    session: Session, *, code: PromoCode, member_id: uuid.UUID | None, purchase_id: uuid.UUID | None, at: datetime
) -> CodeUse:
    """Spend one use of `code`. Exactly as many concurrent calls succeed as uses are left.

    Raises CodeRefused when it is used up, out of its dates, or this member's uses are spent; then nothing
    changed, so the caller may go on without the code. Only flushes.
    """
    if member_id is None and (code.effect == "trigger" or code.max_uses_per_member is not None):
        raise CodeRefused("code_needs_member", "identify the member first")
    counted = session.execute(
        update(PromoCode)
        .where(
            PromoCode.business_id == code.business_id,
            PromoCode.id == code.id,
            or_(PromoCode.max_uses.is_(None), PromoCode.uses < PromoCode.max_uses),
            or_(PromoCode.valid_from.is_(None), PromoCode.valid_from <= at),
            or_(PromoCode.valid_until.is_(None), PromoCode.valid_until > at),
        )
        .values(uses=PromoCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        scoped.refresh(session, code)
        raise _why_not(session, code, member_id, at) or CodeRefused("code_used_up", "already used")
    # The UPDATE above holds the code's row lock until commit, so this count sees every committed use.
    if (
        member_id is not None
        and code.max_uses_per_member is not None
        and _member_uses(session, code, member_id) >= code.max_uses_per_member
    ):
        _uncount(session, code.id, business_id=code.business_id)
        raise CodeRefused("code_already_used_by_member", "already used by this member")
    spent = CodeUse(business_id=code.business_id, code_id=code.id, member_id=member_id, purchase_id=purchase_id, at=at)
    session.add(spent)
    session.flush()
    scoped.refresh(session, code, ["uses"])
    return spent


def _uncount(session: Session, code_id: uuid.UUID, *, business_id: uuid.UUID) -> None:
    session.execute(
        update(PromoCode)
        .where(PromoCode.business_id == business_id, PromoCode.id == code_id, PromoCode.uses > 0)
        .values(uses=PromoCode.uses - 1)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, *, business_id: uuid.UUID, purchase_id: uuid.UUID, at: datetime) -> list[CodeUse]:
    """Give back the code uses of a cancelled purchase. A second call releases nothing more."""
    released: list[CodeUse] = []
    uses = session.scalars(
        select(CodeUse).where(
            CodeUse.business_id == business_id, CodeUse.purchase_id == purchase_id, CodeUse.released_at.is_(None)
        )
    ).all()
    for spent in uses:
        done = session.execute(
            update(CodeUse)
            .where(and_(CodeUse.business_id == business_id, CodeUse.id == spent.id, CodeUse.released_at.is_(None)))
            .values(released_at=at)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            _uncount(session, spent.code_id, business_id=business_id)
            scoped.refresh(session, spent)
            released.append(spent)
    return released


@dataclass
class Redeemed:
    """What using a code outside a sale did."""

    code: PromoCode
    use: CodeUse
    member: Member
    assets: list[Asset] = field(default_factory=list)
    points: int = 0  # hundredths earned by the code_used rules
    message: str = ""


def redeem(session: Session, *, business: Business, text: str, member_id: uuid.UUID, at: datetime) -> Redeemed:
    """The till's "Use a Code" field: a benefit code puts its benefit in the wallet; a trigger code fires the
    `code_used` rules. One use is spent either way. The caller audits."""
    member = members.require_active(members.get(session, business_id=business.id, member_id=member_id))
    promo = find_usable(session, business_id=business.id, text=text, member_id=member.id, at=at)
    spent = use(session, code=promo, member_id=member.id, purchase_id=None, at=at)
    done = Redeemed(promo, spent, member)
    if promo.effect == "benefit" and promo.benefit_id is not None:
        asset = benefits.grant(
            session,
            business=business,
            member_id=member.id,
            benefit_id=promo.benefit_id,
            source=f"code:{promo.id}",
            at=at,
        )
        done.assets.append(asset)
        name = benefits.get(session, business_id=business.id, benefit_id=promo.benefit_id).name
        done.message = f"{name} is now in the member's wallet."
    else:
        applied = awards.fire(session, business=business, member=member, trigger="code_used", at=at, code=promo.code)
        done.points = applied.points
        done.assets = [
            found
            for asset_id in applied.granted_asset_ids
            if (found := scoped.get(session, Asset, asset_id, business_id=business.id))
        ]
        given = []
        if applied.points:
            given.append(f"{members.format_points(business, applied.points)} points")
        given += [f"{len(done.assets)} benefit(s)"] if done.assets else []
        done.message = (
            f"Code used: {' and '.join(given)} for the member."
            if given
            else "Code used; no active rule gives anything for it."
        )
    scoped.refresh(session, member, ["points_balance", "lifetime_points", "tags"])
    return done
