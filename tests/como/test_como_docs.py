"""The Como calls are documented: under their own tag in the OpenAPI document, and in docs/como-compatibility.md."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

CALLS = {
    ("post", "/api/v4/getMemberDetails"),
    ("post", "/api/v4/getBenefits"),
    ("post", "/api/v4/submitPurchase"),
    ("post", "/api/v4/payment"),
    ("post", "/api/v4/cancelPayment"),
    ("post", "/api/v4/cancelPurchase"),
    ("post", "/api/v4/voidPurchase"),
    ("post", "/api/v4/advanced/registration/quick"),
    ("post", "/api/v4/advanced/registerMember"),
    ("post", "/api/v4/advanced/updateMember"),
    ("post", "/api/v4/advanced/sendIdentificationCode"),
    ("post", "/api/v4/submitEvent"),
    ("get", "/api/v4/apiKey"),
}


def test_the_openapi_document_lists_every_como_call_under_its_tag(app_client: TestClient) -> None:
    document = app_client.get("/openapi.json").json()
    tagged = {
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "Como POS API v4" in operation.get("tags", [])
    }
    assert tagged == CALLS
    assert any(tag["name"] == "Como POS API v4" for tag in document["tags"])
    assert document["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-Api-Key"
    assert app_client.get("/docs").status_code == 200


def test_the_compatibility_page_names_every_call_and_the_readme_links_it(repo_root: Path) -> None:
    page = (repo_root / "docs" / "como-compatibility.md").read_text()
    for _, path in CALLS:
        assert f"`{path.removeprefix('/api/v4/')}`" in page, path
    assert "docs/como-compatibility.md" in (repo_root / "README.md").read_text()
