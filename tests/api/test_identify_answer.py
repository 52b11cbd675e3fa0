"""`POST /v1/identify` writes its answer itself (member_shapes.member_answer): byte for byte what FastAPI wrote from
the route's response model, headers included."""

from __future__ import annotations

import pytest

from loyalty.api.v1 import identification, member_shapes
from tests.conftest import Tenant
from tests.support.people import ADA_E164, register


def test_identify_answers_exactly_what_the_response_model_wrote(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = register(tenant, email="ada@example.com", member_number="M-7", tags=["vip"], first_name="Ada")
    gift = {"points": "12.5", "reason": "welcome"}
    adjusted = tenant.client.post(f"/v1/members/{member['id']}/adjustments", headers=tenant.admin, json=gift)
    assert adjusted.status_code in (200, 201), adjusted.text

    def ask() -> tuple[bytes, dict[str, str]]:
        answer = tenant.client.post("/v1/identify", json={"phone": ADA_E164}, headers=tenant.pos)
        assert answer.status_code == 200, answer.text
        headers = {name: value for name, value in answer.headers.items() if name != "x-request-id"}
        return answer.content, headers

    written = ask()
    with monkeypatch.context() as patched:
        patched.setattr(identification, "member_answer", member_shapes.member_out)  # FastAPI writes the model
        by_fastapi = ask()
    assert written == by_fastapi
    assert b'"phone":"+41' in written[0] and b"\\u2022" not in written[0]  # the masked phone, UTF-8 as is
