"""What the answers told the tills, and whether each answer could be true.

Every answer is judged as it arrives (no 500; a replay answers the first answer; the same key with another body is a
conflict), and what it says the member gained or spent is added up, so that at the end each balance can be compared
with the answers. A 503 leaves the request to be retried; what the fault injector knows of its COMMIT says whether
the first answer may never come (the retry's replay then stands for it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.sim.door import Answer, Request
from tests.sim.faults import Attempt

BUSY = ("database_busy", "database_unavailable")


@dataclass
class Paid:
    id: str
    member: str
    wallet: str
    transaction_id: str
    amount: Decimal
    points: Decimal
    cancelled: bool = False


@dataclass
class Sold:
    body: dict[str, Any]
    answer: dict[str, Any]
    text: str
    returned: Decimal = Decimal(0)
    cancelled: bool = False
    payments: list[Paid] = field(default_factory=list)


@dataclass
class Oracle:
    failures: list[str] = field(default_factory=list)
    sold: dict[tuple[str, str], Sold] = field(default_factory=dict)  # (terminal, transaction) → the purchase
    paid: dict[tuple[str, str], Paid] = field(default_factory=dict)  # (terminal, Idempotency-Key) → the payment
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # returns and top-ups by their key
    quoted: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # the sale's lines' sum, as quoted
    maybe: set[tuple[str, str]] = field(default_factory=set)  # keys whose COMMIT went through unanswered
    points: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credit: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    uncertain: set[str] = field(default_factory=set)  # members whose balance no answer can tell exactly

    def fail(self, request: Request, answer: Answer, why: str) -> None:
        self.failures.append(f"{why}: {request.describe()} → {answer.status} {answer.text[:300]}")

    def key(self, request: Request) -> tuple[str, str]:
        return request.facts.get("terminal_id", ""), f"{request.op}:{request.key}"

    def observe(self, request: Request, answer: Answer, attempt: Attempt) -> None:
        if answer.status >= 500 and answer.status != 503:
            self.fail(request, answer, "a server error")
            return
        if answer.status == 503:
            if answer.error == "outcome_unknown" and attempt.committed:
                self.maybe.add(self.key(request))
            elif answer.error in BUSY and attempt.committed and request.op not in ("quote",):
                self.fail(request, answer, "answered 'nothing was recorded' after its COMMIT went through")
            return
        getattr(self, f"_{request.op}")(request, answer)

    def _quote(self, request: Request, answer: Answer) -> None:
        if answer.status != 200:
            self.fail(request, answer, "a quote refused")
            return
        # Until the sale is confirmed its total may still move (a code runs out of uses meanwhile): what is paid is
        # bounded by the lines' sum; once confirmed, by the purchase's total.
        key = (request.facts["terminal_id"], request.key)
        self.quoted[key] = max(self.quoted.get(key, Decimal(0)), Decimal(answer.json()["subtotal"]))

    def _purchase(self, request: Request, answer: Answer) -> None:
        key = (request.facts["terminal_id"], request.key)
        known = self.sold.get(key)
        if answer.status == 201 and known is not None:
            self.fail(request, answer, "a purchase recorded twice")
        elif answer.status == 200 and known is not None:
            if answer.text != known.text:
                self.fail(request, answer, "a replay that is not the first answer")
            if request.body != known.body:
                self.fail(request, answer, "another body under a recorded transaction id was not refused")
        elif answer.status in (200, 201):
            if answer.status == 200 and self.key(request) not in self.maybe:
                self.fail(request, answer, "a replay of a purchase never recorded")
            body = answer.json()
            self.sold[key] = sold = Sold(request.body or {}, body, answer.text)
            sold.payments = [paid for paid in self.paid.values() if _same_sale(paid, request) and not paid.cancelled]
            if body["member_id"]:
                self.points[body["member_id"]] += Decimal(body["points_earned"])
        elif answer.error == "transaction_conflict" and (known is None or known.body == request.body):
            self.fail(request, answer, "a conflict without another body recorded")

    def _pay(self, request: Request, answer: Answer) -> None:
        key = (request.facts["terminal_id"], request.key)
        known, body = self.paid.get(key), request.body or {}
        if answer.status in (200, 201) and known is not None:
            got = answer.json()
            if answer.status == 201 or (got["id"], Decimal(got["amount"])) != (known.id, known.amount):
                self.fail(request, answer, "a payment's replay that is not the first payment")
            if body["transaction_id"] != known.transaction_id:
                self.fail(request, answer, "a payment key reused for another sale was not refused")
        elif answer.status in (200, 201):
            if answer.status == 200 and self.key(request) not in self.maybe:
                self.fail(request, answer, "a replay of a payment never recorded")
            got = answer.json()
            wallet, member = request.facts["wallet"], got["member_id"]
            paid = Paid(got["id"], member, wallet, got["transaction_id"], Decimal(got["amount"]), Decimal(0))
            if wallet == "points":
                paid.points = Decimal(got["points_used"])
                self.points[member] -= paid.points
            else:
                self.credit[member] -= paid.amount
            self.paid[key] = paid
        elif answer.error == "idempotency_conflict" and (
            known is None or known.transaction_id == body["transaction_id"]
        ):
            self.fail(request, answer, "a payment conflict without another payment under its key")

    def _pay_cancel(self, request: Request, answer: Answer) -> None:
        if answer.status != 200 or answer.json()["status"] != "cancelled":
            return
        for paid in self.paid.values():
            if paid.id == request.key and not paid.cancelled:
                paid.cancelled = True
                self._give_back(paid)

    def _give_back(self, paid: Paid) -> None:
        if paid.wallet == "points":
            self.points[paid.member] += paid.points
        else:
            self.credit[paid.member] += paid.amount

    def _cancel(self, request: Request, answer: Answer) -> None:
        if answer.status != 200 or answer.json()["status"] != "cancelled":
            return
        sold = next((sold for sold in self.sold.values() if sold.answer["id"] == request.key), None)
        if sold is None or sold.cancelled:
            return
        sold.cancelled = True
        member = sold.answer["member_id"]
        if member:
            kept = Decimal(answer.json()["points_not_recovered"])
            self.points[member] -= Decimal(sold.answer["points_earned"]) - sold.returned - kept
            if self.key(request) in self.maybe:  # the first answer, with what could not be taken back, was lost
                self.uncertain.add(member)
        for paid in sold.payments:
            if not paid.cancelled:
                paid.cancelled = True
                self._give_back(paid)

    def _return(self, request: Request, answer: Answer) -> None:
        key = self.key(request)
        if answer.status not in (200, 201):
            return
        if key in self.texts:
            if answer.text != self.texts[key] or answer.status == 201:
                self.fail(request, answer, "a return's replay that is not the first answer")
            return
        self.texts[key] = answer.text
        got = answer.json()
        sold = next(sold for sold in self.sold.values() if sold.answer["id"] == got["purchase_id"])
        taken = Decimal(got["points_taken_back"])
        sold.returned += taken
        if sold.returned > Decimal(sold.answer["points_earned"]):
            self.fail(request, answer, "returns gave back more than the purchase earned")
        if sold.answer["member_id"]:
            self.points[sold.answer["member_id"]] -= taken

    def _top_up(self, request: Request, answer: Answer) -> None:
        key = self.key(request)
        if answer.status not in (200, 201):
            self.fail(request, answer, "a top-up refused")
            return
        got = answer.json()
        if key in self.texts:
            if got["id"] != _json(self.texts[key])["id"] or answer.status == 201:
                self.fail(request, answer, "a top-up's replay that is not the first answer")
            return
        self.texts[key] = answer.text
        self.credit[got["member_id"]] += Decimal(got["credited"])


def _same_sale(paid: Paid, request: Request) -> bool:
    return paid.transaction_id == request.key


def _json(text: str) -> Any:
    return Answer(200, text).json()
