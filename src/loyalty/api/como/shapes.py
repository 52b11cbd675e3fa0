"""Como's request bodies, as the public clients send them, and the small helpers answers are written with.

Lenient where clients differ: unknown fields are ignored, a missing field and `null` are the same, ids may come as
numbers. Strict where it matters: amounts are whole minor units, lists and texts have bounds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_MINOR = 100_000_000_000  # 1,000,000,000.00 in a currency with cents, as /v1 allows


def _text_from_number(value: Any) -> Any:
    # Clients send ids as JSON numbers now and then; a bool is never an id.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_text_from_number)]
Minor = Annotated[int, Field(ge=-MAX_MINOR, le=MAX_MINOR, strict=True)]


class ComoModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Customer(ComoModel):
    """One member, named by one of these (the first given, in this order, is used)."""

    appClientId: Text | None = Field(default=None, max_length=200, description="The app's short code, or a sent code.")
    temporaryToken: Text | None = Field(default=None, max_length=200, description="The QR payload.")
    commonExtId: Text | None = Field(default=None, max_length=64, description="The member id (membership.commonExtId).")
    customIdentifier: Text | None = Field(default=None, max_length=64, description="The member number.")
    phoneNumber: Text | None = Field(default=None, max_length=40)
    email: Text | None = Field(default=None, max_length=254)
    memberId: Text | None = Field(default=None, max_length=64, description="Registration: the member number.")
    extClubMemberId: Text | None = Field(default=None, max_length=64, description="Registration: the member number.")
    firstName: str | None = Field(default=None, max_length=100)
    lastName: str | None = Field(default=None, max_length=100)
    allowSMS: bool | None = None
    allowEmail: bool | None = None
    termsOfUse: bool | None = None


class Line(ComoModel):
    lineId: Text | None = Field(default=None, max_length=64, description="Unique in the ticket.")
    code: Text | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    departmentCode: Text | None = Field(default=None, max_length=64)
    departmentName: str | None = Field(default=None, max_length=200)
    quantity: Annotated[int, Field(ge=-1_000_000, le=1_000_000, strict=True)] = 1
    grossAmount: Minor | None = None
    netAmount: Minor | None = Field(default=None, description="The line total in cents, after the POS's discounts.")
    tags: list[Annotated[str, Field(max_length=50)]] | None = Field(default=None, max_length=20)


class MeanOfPayment(ComoModel):
    type: Text = Field(min_length=1, max_length=64)
    amount: Minor


class Purchase(ComoModel):
    transactionId: Text | None = Field(default=None, max_length=128)
    openTime: str | None = Field(default=None, max_length=40)
    totalAmount: Minor | None = None
    totalGeneralDiscount: Minor | None = None
    relatedTransaction: Text | None = Field(default=None, max_length=128)
    relatedTransactionId: Text | None = Field(default=None, max_length=128)
    orderType: Text | None = Field(default=None, max_length=64)
    employee: Text | None = Field(default=None, max_length=200)
    tags: list[Annotated[str, Field(max_length=50)]] | None = Field(default=None, max_length=20)
    items: list[Line] | None = Field(default=None, max_length=500)
    meansOfPayment: list[MeanOfPayment] | None = Field(default=None, max_length=20)

    @property
    def related(self) -> str | None:
        return self.relatedTransaction or self.relatedTransactionId or None


class RedeemAsset(ComoModel):
    key: Text | None = Field(default=None, max_length=64, description="A wallet asset's key.")
    code: Text | None = Field(default=None, max_length=64, description="A promo code typed by the cashier.")
    appliedAmount: Minor | None = None


class PurchaseDeal(ComoModel):
    key: Text | None = Field(default=None, max_length=64)
    appliedAmount: Minor | None = None


class WithCustomer(ComoModel):
    customer: Customer | None = None
    customers: list[Customer] | None = Field(default=None, max_length=10)

    def the_customer(self) -> Customer | None:
        if self.customer is not None:
            return self.customer
        return self.customers[0] if self.customers else None


class MemberDetailsIn(WithCustomer):
    purchase: Purchase | None = None


class BenefitsIn(WithCustomer):
    purchase: Purchase | None = None
    redeemAssets: list[RedeemAsset] | None = Field(default=None, max_length=20)


class SubmitPurchaseIn(WithCustomer):
    purchase: Purchase | None = None
    redeemAssets: list[RedeemAsset] | None = Field(default=None, max_length=20)
    deals: list[PurchaseDeal] | None = Field(default=None, max_length=20)


class BudgetPaymentIn(WithCustomer):
    purchase: Purchase | None = None
    amount: Annotated[int, Field(strict=True)] | None = Field(default=None, description="Positive cents.")
    verificationCode: Text | None = Field(default=None, max_length=16)


class ConfirmationIn(ComoModel):
    confirmation: Text | None = Field(default=None, max_length=64)


class VoidPurchaseIn(ComoModel):
    purchase: Purchase | None = None


class QuickRegistrationIn(WithCustomer):
    quickRegistrationCode: Text | None = Field(default=None, max_length=64)
    registrationData: dict[str, Any] | None = Field(default=None, description="Optional: as registerMember's.")


class RegisterMemberIn(WithCustomer):
    registrationData: dict[str, Any] | None = Field(
        default=None, description="PascalCase keys: PhoneNumber, FirstName, LastName, Email, Birthday (dd.MM.yyyy)…"
    )


class UpdateMemberIn(WithCustomer):
    registrationData: dict[str, Any] | None = Field(default=None, description="camelCase keys, only what changes.")


class SendCodeIn(WithCustomer):
    pass


class Event(ComoModel):
    type: Text | None = Field(default=None, max_length=100)
    name: Text | None = Field(default=None, max_length=100)


class SubmitEventIn(WithCustomer):
    event: Event | None = None
    type: Text | None = Field(default=None, max_length=100)
    name: Text | None = Field(default=None, max_length=100)

    def event_name(self) -> str | None:
        inner = self.event
        return (inner.type or inner.name if inner else None) or self.type or self.name


def moment(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z and without fractions of a second: a Swift client refuses fractions."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class Answer(BaseModel):
    """The envelope of every answer (the call's own keys beside `status`)."""

    model_config = ConfigDict(extra="allow")
    status: str = Field(description='"ok", or "error" with `errors`')
