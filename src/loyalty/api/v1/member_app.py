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

from loyalty import paging
from loyalty.api.deps import database, require
from loyalty.api.errors import envelope
from loyalty.api.v1.member_shapes import MemberOut, member_out
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import app, contact_change, member_login, reading
from loyalty.members.access import Principal
from loyalty.messages import notify

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


def client_of(request: Request) -> str:
    """The address the request came from, as the server sees it (a proxy in front passes its own unless the
    server is run with --proxy-headers behind a trusted one)."""
    return request.client.host if request.client else "unknown"


async def notifier_of(request: Request) -> notify.Notifier:  # async: no worker thread for it
    notifier: notify.Notifier = request.app.state.notifier
    return notifier


def _sent_answer(background: BackgroundTasks, notifier: notify.Notifier, done: notify.LoginCode | None) -> SentOut:
    if done is not None:
        # After the response: the code row is committed, and a slow mail server cannot tell members apart by time.
        background.add_task(notify.deliver, notifier, done)
    minutes = int(member_login.CODE_LIFETIME.total_seconds() // 60)
    return SentOut(sent=True, message=SENT_MESSAGE.format(minutes=minutes), minutes=minutes)


@router.post("/app/{business_id}/register", response_model=SentOut, status_code=202)
def join(
    request: Request,
    business_id: uuid.UUID,
    body: JoinIn,
    background: BackgroundTasks,
    db: Database = Depends(database),
    notifier: notify.Notifier = Depends(notifier_of),
) -> SentOut:
    """Join the programme; a login code follows by SMS to the phone, and proves it. A phone or e-mail already
    registered gets the same answer (and its member a login code, sent only where that member has proven they
    are), so joining cannot be used to find out who is a member, nor to have someone else's code sent to you."""
    command = app.Joining(body.phone, body.first_name, body.last_name, body.email, body.consent.model_dump())
    joined = app.join(db, business_id, command, client=client_of(request), settings=request.app.state.settings)
    return _sent_answer(background, notifier, joined)


@router.post("/app/{business_id}/login", response_model=SentOut, status_code=202)
def login(
    request: Request,
    business_id: uuid.UUID,
    body: LoginIn,
    background: BackgroundTasks,
    db: Database = Depends(database),
    notifier: notify.Notifier = Depends(notifier_of),
) -> SentOut:
    """Send a one-time login code to the member with this phone or e-mail address, if there is one."""
    sent = app.ask_code(
        db,
        business_id,
        phone=body.phone,
        email=body.email,
        client=client_of(request),
        settings=request.app.state.settings,
    )
    return _sent_answer(background, notifier, sent)


@router.post(
    "/app/{business_id}/login/verify",
    response_model=LoginOut,
    responses={401: {"description": "login_code_invalid: wrong, used, expired or out of tries"}},
)
def verify(business_id: uuid.UUID, body: VerifyIn, db: Database = Depends(database)) -> LoginOut | JSONResponse:
    """Exchange the code for a member key (30 days). Each code allows a few tries, then a new one is needed."""
    # The try was counted and committed either way; only then is a wrong code refused.
    done = app.log_in(db, business_id, phone=body.phone, email=body.email, code=body.code)
    if done is None:
        return envelope(401, "login_code_invalid", WRONG_CODE)
    return LoginOut.model_validate(done, from_attributes=True)


@router.get("/me", response_model=MemberOut)
def me(who: Principal = Depends(member), db: Database = Depends(database)) -> MemberOut:
    """The logged-in member: balance, lifetime points and wallet, contact details unmasked (they are theirs)."""
    return member_out(reading.mine(db, who))


class MePatch(Strict):
    language: str | None = Field(
        description="en, fr, de or it: the texts and e-mails sent to you; null: the programme's."
    )


@router.patch("/me", response_model=MemberOut)
def change_me(body: MePatch, who: Principal = Depends(member), db: Database = Depends(database)) -> MemberOut:
    """The member's own settings: the language of their texts and e-mails."""
    app.choose_language(db, who, body.language)
    return member_out(reading.mine(db, who))


@router.get("/me/history", response_model=HistoryPage)
def my_history(
    limit: int = Query(default=20, ge=1, le=paging.MAX_LIMIT),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    who: Principal = Depends(member),
    db: Database = Depends(database),
) -> HistoryPage:
    """The member's points history, newest first."""
    return HistoryPage.model_validate(app.my_history(db, who, cursor, limit), from_attributes=True)


@router.post("/me/qr.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def my_qr(body: QrIn, who: Principal = Depends(member)) -> Response:
    """The QR code of an identification code's `qr` payload, drawn as SVG (it scales to any screen)."""
    qr = segno.make(body.qr, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=2, dark="#111", light="#fff", omitsize=True, title="Your loyalty QR code")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


class NewContactIn(Strict):
    phone: str | None = Field(default=None, min_length=1, max_length=40)
    email: str | None = Field(default=None, min_length=1, max_length=254)

    def contact(self) -> contact_change.NewContact:
        if (self.phone is None) == (self.email is None):
            raise InvalidInput("phone", "send exactly one of phone and email")
        if self.phone is not None:
            return contact_change.NewContact("phone", self.phone)
        return contact_change.NewContact("email", self.email or "")


class NewContactProofIn(NewContactIn):
    code: str = Field(min_length=1, max_length=16)


@router.post("/me/contact", response_model=SentOut, status_code=202)
def change_my_contact(
    request: Request,
    body: NewContactIn,
    background: BackgroundTasks,
    who: Principal = Depends(member),
    db: Database = Depends(database),
    notifier: notify.Notifier = Depends(notifier_of),
) -> SentOut:
    """Change my phone or e-mail address: a code goes to the new one, and `/v1/me/contact/verify` with it makes
    it mine. Until then nothing changes."""
    sent = contact_change.ask(db, who, body.contact(), client=client_of(request), settings=request.app.state.settings)
    return _sent_answer(background, notifier, sent)


@router.post(
    "/me/contact/verify",
    response_model=LoginOut,
    responses={401: {"description": "login_code_invalid: wrong, used, expired or out of tries"}},
)
def verify_my_contact(
    body: NewContactProofIn, who: Principal = Depends(member), db: Database = Depends(database)
) -> LoginOut | JSONResponse:
    """The code sent to the new address makes it mine, proven. Every session of mine ends; the answer is this
    device's new key."""
    done = contact_change.prove(db, who, body.contact(), body.code)
    if done is None:
        return envelope(401, "login_code_invalid", WRONG_CODE)
    return LoginOut.model_validate(done, from_attributes=True)


@router.post("/me/logout", status_code=204)
def logout(who: Principal = Depends(member), db: Database = Depends(database)) -> Response:
    """End this member-app session: its key stops working."""
    app.log_out(db, who)
    return Response(status_code=204)
