"""The member app's endpoints: join, log in with a one-time code, and the member's own account (member keys).

`/v1/app/{business_id}/…` needs no key: it is where a member without a session starts. Its answers never say
whether a phone number or an e-mail address belongs to a member.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import segno
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.api.deps import database, require
from loyalty.api.errors import envelope
from loyalty.api.v1.members import MemberOut, member_views
from loyalty.db.engine import Database
from loyalty.db.models import Business, LedgerTransaction, PointsLot, Rule, now
from loyalty.errors import InvalidInput
from loyalty.members import access, member_login
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.messages import notify
from loyalty.wallet import adjustments
from loyalty.wallet.lots import wording

router = APIRouter(prefix="/v1", tags=["member app"])
member = require("member")

SENT_MESSAGE = "If this belongs to a member, a login code is on its way. It works once, for {minutes} minutes."
WRONG_CODE = "This code is wrong, used or expired. Check it, or ask for a new one."


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(Strict):
    terms: bool = Field(description="The programme's terms; joining needs them accepted.")
    sms: bool = False
    email: bool = False


class JoinIn(Strict):
    phone: str = Field(min_length=1, max_length=40)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)
    consent: ConsentIn


class LoginIn(Strict):
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)


class VerifyIn(LoginIn):
    code: str = Field(min_length=1, max_length=16)


class SentOut(BaseModel):
    sent: bool = Field(description="Always true: the answer does not say whether the member exists.")
    message: str
    minutes: int


class LoginOut(BaseModel):
    key: str = Field(description="A member key: Authorization: Bearer <key>. Shown once.")
    member_id: str
    expires_at: datetime


class HistoryItem(BaseModel):
    id: str
    kind: str = Field(description="earn, unearn, pay, refund or adjust")
    points: str = Field(description="Signed: what this changed on the balance.")
    label: str = Field(description="What happened, for the member: a rule's name, or a payment or correction.")
    detail: str = Field(description="Why: the rule's arithmetic, or the reason of a correction or return.")
    at: datetime


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None


class QrIn(Strict):
    qr: str = Field(min_length=1, max_length=200, description="The `qr` of an identification code.")


def notifier_of(request: Request) -> notify.Notifier:
    notifier: notify.Notifier = request.app.state.notifier
    return notifier


def _business(session: Session, business_id: uuid.UUID) -> Business:
    return access.business(session, business_id)


def _message(business: Business, sent: member_login.Sent) -> notify.LoginCode:
    return notify.LoginCode(
        business_id=str(business.id),
        business_name=business.name,
        member_id=str(sent.member.id),
        phone=sent.member.phone,
        email=sent.member.email,
        code=sent.code,
        minutes=sent.minutes,
        channel=sent.channel,
    )


def _sent_answer(background: BackgroundTasks, notifier: notify.Notifier, done: notify.LoginCode | None) -> SentOut:
    if done is not None:
        # After the response: the code row is committed, and a slow mail server cannot tell members apart by time.
        background.add_task(notify.deliver, notifier, done)
    minutes = int(member_login.CODE_LIFETIME.total_seconds() // 60)
    return SentOut(sent=True, message=SENT_MESSAGE.format(minutes=minutes), minutes=minutes)


@router.post("/app/{business_id}/register", response_model=SentOut, status_code=202)
def join(
    business_id: uuid.UUID,
    body: JoinIn,
    background: BackgroundTasks,
    db: Database = Depends(database),
    notifier: notify.Notifier = Depends(notifier_of),
) -> SentOut:
    """Join the programme; a login code follows by SMS to the phone, and proves it. A phone or e-mail already
    registered gets the same answer (and its member a login code, sent only where that member has proven they
    are), so joining cannot be used to find out who is a member, nor to have someone else's code sent to you."""
    if not body.consent.terms:
        raise InvalidInput("consent.terms", "must be accepted to join")

    def work(session: Session) -> notify.LoginCode | None:
        business = _business(session, business_id)
        at = now()
        joined = members.register(
            session,
            business=business,
            phone=body.phone,
            first_name=body.first_name,
            last_name=body.last_name,
            email=body.email,
            consent=body.consent.model_dump(),
            verified=False,
            actor="member-app",
            at=at,
        )
        sent = member_login.send_code(session, business=business, member=joined, at=at)
        return _message(business, sent) if sent else None

    def existing(session: Session) -> notify.LoginCode | None:
        business = _business(session, business_id)
        found = member_login.find(session, business=business, phone=body.phone, email=None)
        sent = member_login.send_code(session, business=business, member=found, at=now())
        return _message(business, sent) if sent else None

    try:
        done = db.write(work)
    except members.MemberExists:
        done = db.write(existing)
    return _sent_answer(background, notifier, done)


@router.post("/app/{business_id}/login", response_model=SentOut, status_code=202)
def login(
    business_id: uuid.UUID,
    body: LoginIn,
    background: BackgroundTasks,
    db: Database = Depends(database),
    notifier: notify.Notifier = Depends(notifier_of),
) -> SentOut:
    """Send a one-time login code to the member with this phone or e-mail address, if there is one."""

    def work(session: Session) -> notify.LoginCode | None:
        business = _business(session, business_id)
        found = member_login.find(session, business=business, phone=body.phone, email=body.email)
        asked_by = "email" if body.email is not None else "phone"
        sent = member_login.send_code(session, business=business, member=found, asked_by=asked_by, at=now())
        return _message(business, sent) if sent else None

    return _sent_answer(background, notifier, db.write(work))


@router.post(
    "/app/{business_id}/login/verify",
    response_model=LoginOut,
    responses={401: {"description": "login_code_invalid: wrong, used, expired or out of tries"}},
)
def verify(business_id: uuid.UUID, body: VerifyIn, db: Database = Depends(database)) -> LoginOut | JSONResponse:
    """Exchange the code for a member key (30 days). Each code allows a few tries, then a new one is needed."""

    def work(session: Session) -> LoginOut | None:
        business = _business(session, business_id)
        found = member_login.find(session, business=business, phone=body.phone, email=body.email)
        done = member_login.verify(session, business=business, member=found, code=body.code, at=now())
        if done is None:
            return None
        assert done.api_key.expires_at is not None
        return LoginOut(key=done.key, member_id=str(done.member.id), expires_at=done.api_key.expires_at)

    # The try was counted and committed either way; only then is a wrong code refused.
    answer = db.write(work)
    if answer is None:
        return envelope(401, "login_code_invalid", WRONG_CODE)
    return answer


def _member_id(who: Principal) -> uuid.UUID:
    assert who.member_id is not None  # every member key belongs to a member
    return who.member_id


@router.get("/me", response_model=MemberOut)
def me(who: Principal = Depends(member), db: Database = Depends(database)) -> MemberOut:
    """The logged-in member: balance, lifetime points and wallet, contact details unmasked (they are theirs)."""
    with db.read() as session:
        business = access.business(session, who.business_id)
        found = members.get(session, business_id=business.id, member_id=_member_id(who))
        return member_views(session, business, [found], masked=False)[0]


_LABELS = {
    "earn": "Points earned",
    "unearn": "Points taken back",
    "pay": "Paid with points",
    "refund": "Points given back",
    "adjust": "Correction",
    "expire": "Points expired",
}


def _describe(transaction: LedgerTransaction, rule_names: dict[uuid.UUID, str]) -> tuple[str, str]:
    """A title and a detail for the member: the rule's name and the engine's arithmetic, or what happened."""
    rule = rule_names.get(transaction.rule_id) if transaction.rule_id else None
    reason = transaction.reason or ""
    if transaction.kind == "earn" and rule:
        return rule, reason.removeprefix(f"{rule}: ")  # the engine's explanation starts with the rule's name
    if transaction.kind == "pay" and transaction.payment_id is None and transaction.purchase_id is None:
        return "Point shop", reason  # points spent in the shop, not at a till: the reason names what was bought
    if transaction.kind == "pay":
        return _LABELS["pay"], ""  # the reason names the till's transaction id, which means nothing to a member
    if transaction.kind == "expire":
        return _LABELS["expire"], "Their last day had passed"
    return _LABELS.get(transaction.kind, transaction.kind), reason


@router.get("/me/history", response_model=HistoryPage)
def my_history(
    limit: int = Query(default=20, ge=1, le=paging.MAX_LIMIT),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    who: Principal = Depends(member),
    db: Database = Depends(database),
) -> HistoryPage:
    """The member's points history, newest first."""
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = adjustments.history(session, business=business, member_id=_member_id(who), cursor=cursor, limit=limit)
        rule_ids = {transaction.rule_id for transaction, _ in page.items if transaction.rule_id}
        names: dict[uuid.UUID, str] = {}
        if rule_ids:
            names = {
                rule_id: name
                for rule_id, name in session.execute(
                    select(Rule.id, Rule.name).where(Rule.business_id == business.id, Rule.id.in_(rule_ids))
                )
            }
        at = now()
        dated = {
            lot.transaction_id: lot
            for lot in session.scalars(
                select(PointsLot).where(
                    PointsLot.business_id == business.id,
                    PointsLot.transaction_id.in_([txn.id for txn, _ in page.items]),
                )
            )
        }
        items = []
        for transaction, amount in page.items:
            label, detail = _describe(transaction, names)
            lot = dated.get(transaction.id)
            if lot is not None:  # when these points become spendable and expire, in words
                detail = " · ".join(part for part in (detail, wording.lot_detail(lot, business.timezone, at)) if part)
            items.append(
                HistoryItem(
                    id=str(transaction.id),
                    kind=transaction.kind,
                    points=members.format_points(business, amount),
                    label=label,
                    detail=detail,
                    at=transaction.created_at,
                )
            )
        return HistoryPage(items=items, next_cursor=page.next_cursor)


@router.post("/me/qr.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def my_qr(body: QrIn, who: Principal = Depends(member)) -> Response:
    """The QR code of an identification code's `qr` payload, drawn as SVG (it scales to any screen)."""
    qr = segno.make(body.qr, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=2, dark="#111", light="#fff", omitsize=True, title="Your loyalty QR code")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post("/me/logout", status_code=204)
def logout(who: Principal = Depends(member), db: Database = Depends(database)) -> Response:
    """End this member-app session: its key stops working."""

    def work(session: Session) -> None:
        access.revoke_key(session, business_id=who.business_id, key_id=who.key_id, actor=f"member:{who.member_id}")

    db.write(work)
    return Response(status_code=204)
