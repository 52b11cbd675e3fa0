"""All tables. Portable types only: UUID keys, integers for money (minor units) and points (hundredths).

Every unique index starts with the business id, so tenants never collide and a distributed SQL
engine can keep each business's rows together.

One module per domain; every name is importable from here, as Alembic's `target_metadata` is.
"""

from loyalty.db.clock import now
from loyalty.db.ids import new_id
from loyalty.db.models.base import NAMING, Base, UTCDateTime, business_fk, pk
from loyalty.db.models.business import ApiKey, AuditRecord, Branch, Business, IdempotentRequest, Terminal
from loyalty.db.models.campaigns import (
    Benefit,
    CodeBatch,
    CodeFailure,
    CodeUse,
    Event,
    PromoCode,
    Rule,
    RuleRevision,
    RuleUse,
)
from loyalty.db.models.members import (
    AppRequest,
    ConsentChange,
    IdentificationCode,
    IdentifyFailure,
    LoginCode,
    Member,
    Tier,
    TillIdentification,
)
from loyalty.db.models.sale import OpenTicket, PointsPayment, Purchase, PurchaseLine, PurchaseReturn, SaleTab
from loyalty.db.models.wallet import (
    Asset,
    CreditLoad,
    CreditPayment,
    LedgerEntry,
    LedgerTransaction,
    LotAllocation,
    MemberPunchCard,
    PointsLot,
    PunchCard,
    PunchEntry,
    ShopOrder,
)
from loyalty.db.models.webhooks import OutboundState, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "NAMING",
    "ApiKey",
    "AppRequest",
    "Asset",
    "AuditRecord",
    "Base",
    "Benefit",
    "Branch",
    "Business",
    "CodeBatch",
    "CodeFailure",
    "CodeUse",
    "ConsentChange",
    "CreditLoad",
    "CreditPayment",
    "Event",
    "IdempotentRequest",
    "IdentificationCode",
    "IdentifyFailure",
    "LedgerEntry",
    "LedgerTransaction",
    "LoginCode",
    "LotAllocation",
    "Member",
    "MemberPunchCard",
    "OpenTicket",
    "OutboundState",
    "PointsLot",
    "PointsPayment",
    "PromoCode",
    "PunchCard",
    "PunchEntry",
    "Purchase",
    "PurchaseLine",
    "PurchaseReturn",
    "Rule",
    "RuleRevision",
    "RuleUse",
    "SaleTab",
    "ShopOrder",
    "Terminal",
    "Tier",
    "TillIdentification",
    "UTCDateTime",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "business_fk",
    "new_id",
    "now",
    "pk",
]
