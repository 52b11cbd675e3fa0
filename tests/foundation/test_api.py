"""The API's skeleton: health, OpenAPI, the error envelope, 422s that name the field."""

from __future__ import annotations

from tests.conftest import Tenant


def test_health_reports_the_database_and_schema(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["schema_current"] is True


def test_openapi_document_and_docs_are_served(tenant: Tenant) -> None:
    document = tenant.client.get("/openapi.json")
    assert document.status_code == 200 and "/v1/business" in document.json()["paths"]
    assert tenant.client.get("/docs").status_code == 200


def test_an_invalid_field_is_a_422_that_names_it(tenant: Tenant) -> None:
    answer = tenant.client.patch("/v1/business", json={"points_decimals": 5}, headers=tenant.admin)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and error["details"]["field"] == "points_decimals"


def test_an_unknown_field_is_refused_by_name(tenant: Tenant) -> None:
    answer = tenant.client.patch("/v1/business", json={"colour": "red"}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "colour"


def test_broken_json_is_a_422_not_a_500(tenant: Tenant) -> None:
    answer = tenant.client.patch(
        "/v1/business", content=b"{not json", headers=tenant.admin | {"Content-Type": "application/json"}
    )
    assert answer.status_code == 422


def test_business_settings_change_and_show_exact_money(tenant: Tenant) -> None:
    answer = tenant.client.patch(
        "/v1/business", json={"point_value": "0.05", "points_decimals": 1}, headers=tenant.admin
    )
    assert answer.status_code == 200
    assert answer.json()["point_value"] == "0.05" and answer.json()["points_decimals"] == 1
    refused = tenant.client.patch("/v1/business", json={"point_value": "0.005"}, headers=tenant.admin)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "point_value"


def test_an_unknown_route_is_a_404_envelope(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/nothing-here")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
