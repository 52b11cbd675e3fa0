"""Tills named by the point of sale's own ids, and the single-use codes a till keeps for the length of a sale.

A till that speaks Como names itself with `X-Branch-Id` and `X-Pos-Id`. The pair becomes a branch and a terminal of
the key's business (each with that `external_id`), created on first use, so that idempotency, rate limits and
reports work per real till as they do for `/v1` terminals.

Como tills also send the member's identifier with every call of a sale. An app code or QR payload works once, so the
first call spends it and keeps it here, for this terminal only and for `SALE_LENGTH`: later calls of the same sale
at the same till find the member again; another till, or the same one after the sale, does not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.db import scoped
from loyalty.db.engine import Database, RetryTransaction
from loyalty.db.models import Branch, Business, IdentificationCode, Member, Terminal, TillIdentification, now
from loyalty.errors import Forbidden, InvalidInput, LoyaltyError
from loyalty.members import access, identification
from loyalty.members.access import Principal
from loyalty.members.views import MemberView
from loyalty.settings import Settings

EXTERNAL_ID_MAX = 64
MAX_TERMINALS = 1000  # per business: a key cannot make endless terminals (each with its own attempt limit)
# Per key and hour: Como tills of a shop share one key, so a shop of a dozen tills opening its first morning makes a
# dozen; a key inventing X-Pos-Ids made 120 in seconds, each with its own limits of failed codes, and would have
# filled the business's 1,000 so that a real new till was refused.
NEW_TERMINALS_PER_KEY_HOUR = 20
NEW_TERMINALS_WINDOW = timedelta(hours=1)


class TooManyTerminals(identification.TooManyAttempts):
    """This key made its new terminals of the hour (HTTP 429 with Retry-After)."""

    code = "too_many_terminals"

    def __init__(self, retry_after: int) -> None:
        LoyaltyError.__init__(
            self,
            f"This key made {NEW_TERMINALS_PER_KEY_HOUR} new terminals in the last hour (X-Pos-Id); reuse a known "
            f"X-Pos-Id, or try again in {retry_after} seconds.",
            retry_after=retry_after,
            scope="key",
        )
        self.retry_after = retry_after


class TerminalRetired(Forbidden):
    def __init__(self) -> None:
        super().__init__("terminal_retired", "This terminal was retired by an admin; it takes no more calls.")


SALE_LENGTH = timedelta(minutes=30)


@dataclass(frozen=True)
class Till:
    branch_id: uuid.UUID
    terminal_id: uuid.UUID


def resolve(
    session: Session,
    *,
    business_id: uuid.UUID,
    default: Till,
    branch_external_id: str | None,
    terminal_external_id: str | None,
    at: datetime,
    create: bool = True,
    key_id: uuid.UUID | None = None,
) -> Till | None:
    """The till these ids name: the key's own when neither is sent, else the one with these external ids (made
    now when `create`, else None when it does not exist yet). `X-Pos-Id` alone names a till of the key's branch."""
    branch_ref = _clean(branch_external_id, "X-Branch-Id")
    terminal_ref = _clean(terminal_external_id, "X-Pos-Id")
    if branch_ref is None and terminal_ref is None:
        return default
    branch_id: uuid.UUID | None = default.branch_id
    if branch_ref is not None:
        branch_id = _branch(session, business_id, branch_ref, at, create)
    if branch_id is None:
        return None
    terminal_id = _terminal(session, business_id, branch_id, terminal_ref or "", at, create, key_id)
    return Till(branch_id, terminal_id) if terminal_id is not None else None


def _clean(raw: str | None, header: str) -> str | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if len(text) > EXTERNAL_ID_MAX or not text.isprintable():
        raise InvalidInput(header, f"must be at most {EXTERNAL_ID_MAX} printable characters")
    return text


def _branch(session: Session, business_id: uuid.UUID, external_id: str, at: datetime, create: bool) -> uuid.UUID | None:
    query = select(Branch.id).where(Branch.business_id == business_id, Branch.external_id == external_id)
    found = session.scalar(query)
    if found is not None or not create:
        return found
    branch = Branch(business_id=business_id, name=f"Branch {external_id}", external_id=external_id, created_at=at)
    _insert(session, branch)
    return branch.id


def _terminal(
    session: Session,
    business_id: uuid.UUID,
    branch_id: uuid.UUID,
    external_id: str,
    at: datetime,
    create: bool,
    key_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    query = select(Terminal.id, Terminal.retired_at).where(
        Terminal.business_id == business_id, Terminal.branch_id == branch_id, Terminal.external_id == external_id
    )
    found = session.execute(query).first()
    if found is not None and found.retired_at is not None:
        raise TerminalRetired()
    if found is not None or not create:
        return found.id if found is not None else None
    if key_id is not None:
        _check_new_terminals(session, business_id, key_id, at)
    # Retired terminals leave room: an admin who retires invented ones lets real tills in again.
    count = (
        session.scalar(select(func.count()).where(Terminal.business_id == business_id, Terminal.retired_at.is_(None)))
        or 0
    )
    if count >= MAX_TERMINALS:
        raise InvalidInput("X-Pos-Id", f"this business already has {MAX_TERMINALS} terminals; reuse a known X-Pos-Id")
    name = f"POS {external_id}" if external_id else "POS"
    terminal = Terminal(
        business_id=business_id,
        branch_id=branch_id,
        name=name,
        external_id=external_id,
        created_at=at,
        created_by_key_id=key_id,
    )
    _insert(session, terminal)
    return terminal.id


def _check_new_terminals(session: Session, business_id: uuid.UUID, key_id: uuid.UUID, at: datetime) -> None:
    since = at - NEW_TERMINALS_WINDOW
    made = list(
        session.scalars(
            select(Terminal.created_at)
            .where(
                Terminal.business_id == business_id,
                Terminal.created_by_key_id == key_id,
                Terminal.created_at > since,
            )
            .order_by(Terminal.created_at)
        )
    )
    if len(made) >= NEW_TERMINALS_PER_KEY_HOUR:
        oldest = made[-NEW_TERMINALS_PER_KEY_HOUR]
        raise TooManyTerminals(max(1, int((oldest + NEW_TERMINALS_WINDOW - at).total_seconds()) + 1))


def _insert(session: Session, row: Branch | Terminal | TillIdentification) -> None:
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # A concurrent first use made the same row: run the whole transaction again, it will find the winner's.
        raise RetryTransaction() from None


# --- codes kept for a sale --------------------------------------------------------------------------


def _value_hash(business_id: uuid.UUID, kind: str, value: str) -> str:
    return identification.digest(business_id, f"till-{kind}", value.strip())


def recall(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, kind: str, value: str, at: datetime
) -> Member | None:
    """The member this till identified with this code during the current sale, if any."""
    row = session.scalar(
        select(TillIdentification).where(
            TillIdentification.business_id == business_id,
            TillIdentification.terminal_id == terminal_id,
            TillIdentification.value_hash == _value_hash(business_id, kind, value),
            TillIdentification.expires_at > at,
        )
    )
    return scoped.get(session, Member, row.member_id, business_id=business_id) if row else None


def remember(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID,
    kind: str,
    value: str,
    member_id: uuid.UUID,
    at: datetime,
) -> None:
    """Keep a code this till just spent, for the rest of the sale at this till (replacing an older sale's use of
    the same digits)."""
    value_hash = _value_hash(business_id, kind, value)
    session.execute(
        delete(TillIdentification).where(
            TillIdentification.business_id == business_id,
            TillIdentification.terminal_id == terminal_id,
            (TillIdentification.expires_at <= at) | (TillIdentification.value_hash == value_hash),
        )
    )
    _insert(
        session,
        TillIdentification(
            business_id=business_id,
            terminal_id=terminal_id,
            value_hash=value_hash,
            member_id=member_id,
            created_at=at,
            expires_at=at + SALE_LENGTH,
        ),
    )


def identify_by_code(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    kind: str,
    value: str,
    settings: Settings,
    at: datetime,
) -> Member | MemberView | None:
    """The member an app code or QR payload names at this till: a live code is spent (with every guarantee of
    `identification.identify`: limits, same answer for wrong, used and expired codes) and kept for the sale; a code
    this till already spent in this sale finds its member again without counting as an attempt."""
    wanted = identification.digest(business.id, kind, value.strip())
    column = IdentificationCode.code_hash if kind == "code" else IdentificationCode.qr_hash
    live = session.scalar(
        select(IdentificationCode.id).where(
            IdentificationCode.business_id == business.id, column == wanted, IdentificationCode.expires_at > at
        )
    )
    if live is None:
        kept = recall(session, business_id=business.id, terminal_id=terminal_id, kind=kind, value=value, at=at)
        if kept is not None and kept.status == "active":
            return kept
    member = identification.identify(
        session, business=business, terminal_id=terminal_id, way=kind, value=value, settings=settings, at=at
    )
    if member is not None:
        remember(
            session,
            business_id=business.id,
            terminal_id=terminal_id,
            kind=kind,
            value=value,
            member_id=member.id,
            at=at,
        )
    return member


def identified_by_code(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID,
    member_id: uuid.UUID,
    transaction_id: str,
    at: datetime,
) -> bool:
    """Whether this till identified the member with the app's code, its QR or a sent code for this ticket: the
    member is standing at the till with their phone. An identification proves one ticket, the first that asks;
    another ticket at the same till needs its own."""
    mine = (TillIdentification.transaction_id == transaction_id) | TillIdentification.transaction_id.is_(None)
    rows = session.execute(
        select(TillIdentification.id, TillIdentification.transaction_id).where(
            TillIdentification.business_id == business_id,
            TillIdentification.terminal_id == terminal_id,
            TillIdentification.member_id == member_id,
            TillIdentification.expires_at > at,
            mine,
        )
    ).all()
    if any(ticket == transaction_id for _, ticket in rows):
        return True
    for row_id, _ in rows:
        claimed = session.execute(
            update(TillIdentification)
            .where(
                TillIdentification.business_id == business_id,
                TillIdentification.id == row_id,
                TillIdentification.transaction_id.is_(None),
            )
            .values(transaction_id=transaction_id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return True
    return False


def branch_of(session: Session, *, business_id: uuid.UUID, branch_id: uuid.UUID) -> Branch | None:
    found = scoped.get(session, Branch, branch_id, business_id=business_id)
    return found if found is not None and found.business_id == business_id else None


def of_headers(db: Database, who: Principal, *, branch: str | None, pos: str | None) -> Till:
    """The till a Como call's `X-Branch-Id` and `X-Pos-Id` name (the key's own terminal without them), made on
    first use: read first, written only for a till never seen."""
    assert who.branch_id is not None and who.terminal_id is not None  # a pos key always names its terminal
    default = Till(who.branch_id, who.terminal_id)
    with db.read() as session:
        found = resolve(
            session,
            business_id=who.business_id,
            default=default,
            branch_external_id=branch,
            terminal_external_id=pos,
            at=now(),
            create=False,
        )
    if found is not None:
        return found

    def make(session: Session) -> Till | None:
        return resolve(
            session,
            business_id=who.business_id,
            default=default,
            branch_external_id=branch,
            terminal_external_id=pos,
            at=now(),
            key_id=who.key_id,
        )

    made = db.write(make)
    assert made is not None
    return made


@dataclass(frozen=True)
class Location:
    business_name: str
    location_id: str
    location_name: str


def location(db: Database, who: Principal, till: Till) -> Location:
    """The business and the branch a till's key and headers name (Como `apiKey`)."""
    with db.read() as session:
        business = access.business(session, who.business_id)
        branch = branch_of(session, business_id=business.id, branch_id=till.branch_id)
        location_id = (branch.external_id or str(branch.id)) if branch else str(till.branch_id)
        return Location(business.name, location_id, branch.name if branch else "")
