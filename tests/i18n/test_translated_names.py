"""Names a marketer writes, per language: benefits, rules and punch cards take and give back `names`
(`{"fr": …}`), checked like the name itself; readers of a language see its translation, others the name as
written, in quotes, purchases and the member's history."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from loyalty.campaigns import rulebook
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.i18n.names import name_in
from loyalty.members import access
from loyalty.rules.message import Name, from_data, msg
from tests.como.helpers import PHONE, ComoTill, purchase, shop
from tests.conftest import Tenant
from tests.support.people import adjust, benefit, member_key, register

CINEMA = {"fr": "Cinéma fidèle", "de": "Treues Kino", "it": "Cinema fedele"}
COMO_MEMBER = "getMemberDetails?returnAssets=active&expand=assets.redeemable"
PERCENT = {"type": "add_points", "mode": "percent", "percent": "10", "items": {"departments": ["tix"]}}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def refused_field(response: Any) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["error"]["details"]["field"])


def basket(member_id: str, transaction_id: str) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "FILM", "department": "tix", "quantity": "1", "amount": "1234.50"}],
        "payments": [{"mop": "cash", "amount": "1234.50"}],
    }


def test_the_name_for_a_language_falls_back_to_the_written_one() -> None:
    assert name_in("Cinema club", CINEMA, "fr") == "Cinéma fidèle"
    assert name_in("Cinema club", {"de": "Treues Kino"}, "fr") == "Cinema club"
    assert name_in("Cinema club", None, "de") == "Cinema club"
    assert name_in("Cinema club", {"fr": "  "}, "fr") == "Cinema club"  # an empty translation is none
    assert name_in("Cinema club", CINEMA, None) == "Cinema club"
    # As a value of the engine's messages, kept through the stored form the ledger holds.
    said = msg("{rule}: {says}", rule=Name("Cinema club", tuple(sorted(CINEMA.items()))), says="x")
    assert from_data(said.to_data()) == said and said.english() == "Cinema club: x"


def test_a_benefit_takes_and_gives_back_its_names(tenant: Tenant) -> None:
    made = benefit(tenant, name="Free popcorn", names={"fr": "Pop-corn offert", "de": "Gratis Popcorn", "it": ""})
    assert made["names"] == {"fr": "Pop-corn offert", "de": "Gratis Popcorn"}  # an empty one is left out
    path = f"/v1/benefits/{made['id']}"
    assert ok(tenant.client.get(path, headers=tenant.pos))["names"] == made["names"]
    changed = ok(tenant.client.patch(path, headers=tenant.admin, json={"names": {"it": "Popcorn gratis"}}))
    assert changed["names"] == {"it": "Popcorn gratis"} and changed["price_points"] is None
    priced = ok(tenant.client.patch(path, headers=tenant.admin, json={"price_points": "60"}))
    assert priced["names"] == {"it": "Popcorn gratis"} and priced["price_points"] == "60.00"  # names untouched
    assert ok(tenant.client.patch(path, headers=tenant.admin, json={"names": None}))["names"] == {}
    both = ok(tenant.client.patch(path, headers=tenant.admin, json={"names": {"de": "Popcorn"}, "price_points": None}))
    assert both["names"] == {"de": "Popcorn"} and both["price_points"] is None
    assert refused_field(tenant.client.patch(path, headers=tenant.admin, json={})) == "price_points"
    assert refused_field(tenant.client.patch(path, headers=tenant.admin, json={"names": {"xx": "?"}})) == "names.xx"
    assert ok(tenant.client.get(path, headers=tenant.pos))["names"] == {"de": "Popcorn"}  # a refusal changes nothing
    assert benefit(tenant, name="Plain")["names"] == {}


def test_a_rule_and_a_punch_card_take_and_give_back_their_names(tenant: Tenant) -> None:
    body = {"name": "Cinema club", "names": CINEMA, "trigger": "purchase", "actions": [PERCENT]}
    rule = ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=body), 201)
    assert rule["names"] == CINEMA
    path = f"/v1/rules/{rule['id']}"
    assert ok(tenant.client.get(path, headers=tenant.admin))["names"] == CINEMA
    # A revision that leaves `names` out keeps them; null clears them.
    revised = ok(tenant.client.put(path, headers=tenant.admin, json={**body, "names": None} | {"names": CINEMA}))
    kept = ok(tenant.client.put(path, headers=tenant.admin, json={k: v for k, v in body.items() if k != "names"}))
    assert revised["names"] == kept["names"] == CINEMA and kept["revision"] == 3
    assert ok(tenant.client.put(path, headers=tenant.admin, json={**body, "names": None}))["names"] == {}

    reward = benefit(tenant, name="Free coffee")
    card = {
        "name": "10th coffee free",
        "names": {"fr": "10e café offert"},
        "punches_required": 10,
        "items": {"codes": ["COFFEE"]},
        "reward_benefit_id": reward["id"],
    }
    made = ok(tenant.client.post("/v1/punch-cards", headers=tenant.admin, json=card), 201)
    assert made["names"] == {"fr": "10e café offert"}
    card_path = f"/v1/punch-cards/{made['id']}"
    changed = ok(
        tenant.client.put(card_path, headers=tenant.admin, json={**card, "names": {"de": "10. Kaffee gratis"}})
    )
    assert changed["names"] == {"de": "10. Kaffee gratis"}
    assert ok(tenant.client.get(card_path, headers=tenant.pos))["names"] == {"de": "10. Kaffee gratis"}


@pytest.mark.parametrize(
    "names, field",
    [
        ({"es": "Palomitas"}, "names.es"),
        ({"fr": "x" * 201}, "names.fr"),
        ({"fr": "caf\u00e9\u0000"}, "names.fr"),
        ({"fr": 3}, "names.fr"),
        (["fr"], "names"),
    ],
)
def test_bad_names_are_a_422_naming_the_field_on_every_object(tenant: Tenant, names: Any, field: str) -> None:
    benefit_body = {"name": "Free popcorn", "kind": "free_item", "names": names}
    assert refused_field(tenant.client.post("/v1/benefits", headers=tenant.admin, json=benefit_body)).startswith(
        "names"
    )
    rule = {"name": "Club", "names": names, "trigger": "purchase", "actions": [PERCENT]}
    assert refused_field(tenant.client.post("/v1/rules", headers=tenant.admin, json=rule)) == field
    reward = benefit(tenant, name="Free coffee")
    card = {
        "name": "Card",
        "names": names,
        "punches_required": 3,
        "items": {"codes": ["C"]},
        "reward_benefit_id": reward["id"],
    }
    assert refused_field(tenant.client.post("/v1/punch-cards", headers=tenant.admin, json=card)) == field
    assert ok(tenant.client.get("/v1/rules", headers=tenant.admin)) == []


def test_a_quote_a_purchase_and_the_history_name_the_rule_in_the_reader_s_language(
    db: Database, tenant: Tenant
) -> None:
    body = {"name": "Cinema club", "names": CINEMA, "trigger": "purchase", "status": "active", "actions": [PERCENT]}
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=body), 201)
    member = register(tenant, first_name="Ada")
    french = {**tenant.pos, "Accept-Language": "fr-CH"}
    quote = ok(tenant.client.post("/v1/quotes", headers=french, json=basket(member["id"], "Q-1")))
    assert quote["earned"][0]["rule_name"] == "Cinéma fidèle"
    assert quote["earned"][0]["explanation"] == "10 % de 1'234,50 sur tix = 123,45"
    english = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=basket(member["id"], "Q-2")))
    assert english["earned"][0]["rule_name"] == "Cinema club"
    bought = ok(tenant.client.post("/v1/purchases", headers=french, json=basket(member["id"], "T-0")), 201)
    assert bought["earned"][0]["rule_name"] == "Cinéma fidèle"
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=basket(member["id"], "T-1")), 201)
    own = member_key(db, tenant, member["id"])
    history = ok(tenant.client.get("/v1/me/history", headers={**own, "Accept-Language": "fr"}))["items"]
    assert history[0]["label"] == "Cinéma fidèle"
    assert ok(tenant.client.get("/v1/me/history", headers={**own, "Accept-Language": "de"}))["items"][0]["label"] == (
        "Treues Kino"
    )
    assert ok(tenant.client.get("/v1/me/history", headers=own))["items"][0]["label"] == "Cinema club"


def test_the_point_shop_line_of_the_history_names_what_was_bought_in_the_reader_s_language(
    db: Database, tenant: Tenant
) -> None:
    prize = benefit(
        tenant,
        name="Free popcorn",
        kind="free_item",
        discount=None,
        items={"codes": ["POPCORN"]},
        names={"it": "Popcorn gratis"},
        price_points="5",
    )
    member = register(tenant)
    adjust(tenant, member["id"], "10")
    bought = tenant.client.post(
        f"/v1/members/{member['id']}/benefits/buy",
        headers={**tenant.pos, "Idempotency-Key": "B-1"},
        json={"benefit_id": prize["id"]},
    )
    ok(bought, 201)
    own = member_key(db, tenant, member["id"])
    italian = ok(tenant.client.get("/v1/me/history", headers={**own, "Accept-Language": "it"}))["items"][0]
    assert "Popcorn gratis" in italian["detail"]
    english = ok(tenant.client.get("/v1/me/history", headers=own))["items"][0]
    assert english["detail"] == "bought Free popcorn in the point shop"


def test_a_wallet_entry_gives_its_names_and_says_why_it_cannot_be_used_in_the_reader_s_language(
    tenant: Tenant,
) -> None:
    coffee = benefit(tenant, name="Free coffee", names={"fr": "Café offert", "de": "Gratis Kaffee"})
    member = register(tenant)
    path = f"/v1/members/{member['id']}/benefits"
    granted = ok(tenant.client.post(path, headers=tenant.admin, json={"benefit_id": coffee["id"]}), 201)
    ok(tenant.client.post(f"{path}/{granted['id']}/deactivate", headers=tenant.admin))
    said = {}
    for language in ("en", "fr", "de", "it"):
        shown = ok(tenant.client.get(path, headers={**tenant.pos, "Accept-Language": language}))[0]
        assert shown["names"] == {"fr": "Café offert", "de": "Gratis Kaffee"} and shown["name"] == "Free coffee"
        assert shown["reason_code"] == "deactivated"
        said[language] = shown["reason"]
    assert said == {"en": "deactivated", "fr": "désactivé", "de": "deaktiviert", "it": "disattivato"}
    # At the till, the quote names the refused entry's reason in the till's language too.
    sale = basket(member["id"], "Q-1") | {"benefits": [granted["id"]]}
    quote = ok(tenant.client.post("/v1/quotes", headers={**tenant.pos, "Accept-Language": "de-CH"}, json=sale))
    assert quote["rejected"] == [{"id": granted["id"], "reason": "deaktiviert"}]


def test_a_used_entry_names_its_day_in_the_locale_s_format(tenant: Tenant) -> None:
    coffee = benefit(tenant, name="Coffee", kind="free_item", discount=None, items={"codes": ["COFFEE"]})
    member = register(tenant)
    path = f"/v1/members/{member['id']}/benefits"
    granted = ok(tenant.client.post(path, headers=tenant.admin, json={"benefit_id": coffee["id"]}), 201)
    sale = {
        "transaction_id": "T-1",
        "member_id": member["id"],
        "items": [{"line_id": "1", "code": "COFFEE", "quantity": "1", "amount": "4.50"}],
        "payments": [{"mop": "cash", "amount": "0.00"}],
        "benefits": [granted["id"]],
    }
    french = {**tenant.pos, "Accept-Language": "fr-CH"}
    bought = ok(tenant.client.post("/v1/purchases", headers=french, json=sale), 201)
    assert bought["discounts"][0]["name"] == "Coffee"
    shown = ok(tenant.client.get(path, headers=french))[0]
    assert shown["reason_code"] == "already_used"
    assert shown["reason"].startswith("déjà utilisé le ") and shown["reason"][-5:-4] == "."  # 07.12.2026


def test_the_shop_and_a_discount_name_the_benefit_in_the_reader_s_language(tenant: Tenant) -> None:
    prize = benefit(tenant, name="Ten off", names={"fr": "Dix de rabais"}, price_points="5")
    listed = ok(tenant.client.get("/v1/shop", headers=tenant.pos))
    assert [(item["name"], item["names"]) for item in listed] == [("Ten off", {"fr": "Dix de rabais"})]
    member = register(tenant)
    path = f"/v1/members/{member['id']}/benefits"
    granted = ok(tenant.client.post(path, headers=tenant.admin, json={"benefit_id": prize["id"]}), 201)
    sale = basket(member["id"], "Q-1") | {"benefits": [granted["id"]]}
    french = ok(tenant.client.post("/v1/quotes", headers={**tenant.pos, "Accept-Language": "fr"}, json=sale))
    assert [discount["name"] for discount in french["discounts"]] == ["Dix de rabais"]
    english = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale))
    assert [discount["name"] for discount in english["discounts"]] == ["Ten off"]


def test_a_deal_is_named_in_the_reader_s_language(tenant: Tenant) -> None:
    deal = {
        "name": "Happy hour",
        "names": {"fr": "Heure joyeuse", "de": "Happy Hour"},
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "discount", "discount": {"percent": "10"}}],
    }
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=deal), 201)
    member = register(tenant)
    french = ok(
        tenant.client.post(
            "/v1/quotes", headers={**tenant.pos, "Accept-Language": "fr"}, json=basket(member["id"], "Q")
        )
    )
    assert [(discount["source"], discount["name"]) for discount in french["discounts"]] == [("deal", "Heure joyeuse")]
    italian = ok(
        tenant.client.post(
            "/v1/quotes", headers={**tenant.pos, "Accept-Language": "it"}, json=basket(member["id"], "Q")
        )
    )
    assert [discount["name"] for discount in italian["discounts"]] == ["Happy hour"]  # not translated: as written


def test_a_rule_file_carries_the_names_and_a_changed_translation_is_no_new_revision(
    db: Database, tenant: Tenant
) -> None:
    body = {"name": "Cinema club", "names": CINEMA, "trigger": "purchase", "status": "active", "actions": [PERCENT]}
    rule = ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=body), 201)

    def business(session: Any) -> Any:
        return access.business(session, uuid.UUID(tenant.business_id))

    def load(bodies: list[dict[str, Any]]) -> list[rulebook.Change]:
        return db.write(lambda session: rulebook.load(session, business=business(session), bodies=bodies, actor="t"))

    (exported,) = db.write(lambda session: rulebook.export(session, business=business(session)))
    assert exported["names"] == CINEMA
    renamed = {**exported, "names": {"fr": "Ciné-club"}}
    (change,) = db.write(
        lambda session: rulebook.load(session, business=business(session), bodies=[renamed], actor="t")
    )
    assert (change.action, change.rule.revision) == ("translated", 1)
    again = load([renamed])
    assert [change.action for change in again] == ["unchanged"]
    assert ok(tenant.client.get(f"/v1/rules/{rule['id']}", headers=tenant.admin))["names"] == {"fr": "Ciné-club"}
    bad = {**exported, "names": {"es": "Cineclub"}}
    with pytest.raises(InvalidInput) as refused:
        load([bad])
    assert refused.value.field == "rules.0.names.es"


def test_why_a_benefit_does_not_apply_to_a_sale_is_said_in_the_till_s_language(tenant: Tenant) -> None:
    popcorn = benefit(tenant, name="Popcorn", names={"de": "Popcorn gratis"}, conditions={"min_spend": "2000.00"})
    member = register(tenant)
    path = f"/v1/members/{member['id']}/benefits"
    granted = ok(tenant.client.post(path, headers=tenant.admin, json={"benefit_id": popcorn["id"]}), 201)
    sale = basket(member["id"], "Q-1") | {"benefits": [granted["id"]]}
    german = ok(tenant.client.post("/v1/quotes", headers={**tenant.pos, "Accept-Language": "de-CH"}, json=sale))
    assert german["rejected"] == [
        {"id": granted["id"], "reason": "Popcorn gratis erfordert einen Einkauf von mindestens 2'000.00"}
    ]
    english = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale))
    assert english["rejected"][0]["reason"] == "Popcorn needs a purchase of at least 2'000.00"


def test_como_names_a_benefit_in_the_business_s_language(tenant: Tenant) -> None:
    made = shop(tenant)
    nachos = made["nachos"]["id"]
    benefit_id = ok(tenant.client.get(f"/v1/members/{made['member']['id']}/benefits", headers=tenant.admin))
    by_asset = {entry["id"]: entry["benefit_id"] for entry in benefit_id}
    names = {"names": {"fr": "Nachos offerts", "de": "Gratis Nachos"}}
    ok(tenant.client.patch(f"/v1/benefits/{by_asset[nachos]}", headers=tenant.admin, json=names))
    till = ComoTill(tenant.client, tenant.pos_key)
    ask = {"customer": {"phoneNumber": PHONE}, "purchase": purchase("T-1")}
    english = {asset["key"]: asset for asset in till.post(COMO_MEMBER, ask)["membership"]["assets"]}
    assert english[nachos]["name"] == "Free nachos"
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"language": "fr"}))
    french = {asset["key"]: asset for asset in till.post(COMO_MEMBER, ask)["membership"]["assets"]}
    assert french[nachos]["name"] == "Nachos offerts"
    assert (
        french[nachos]["nonRedeemableCause"]["message"] == "Nachos offerts ne s'applique à aucun article de cette vente"
    )
