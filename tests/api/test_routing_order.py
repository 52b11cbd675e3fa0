"""The till's routes are tried first (loyalty.api.routing): every address is still answered by the route that
answered it in the written order, and the OpenAPI document still lists the paths in the written order."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match

from loyalty.api import routing
from loyalty.api.app import create_app
from loyalty.api.v1 import identification, pos
from loyalty.settings import Settings

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# What a path parameter may be in a request: an id, a word, or a word of another route.
FILLINGS = (str(uuid.UUID(int=7)), "x", "identify", "purchases", "identification-code", "risk", "lockouts")


def _written_app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    with monkeypatch.context() as patched:
        patched.setattr(routing, "serve_first", lambda app, first: None)
        return create_app(settings)


def _chosen(routes: list[BaseRoute], method: str, path: str) -> int | None:
    """The position, in `routes`, of the entry the router hands the request to (Starlette's rule: the first full
    match, else the first partial one), or None."""
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    partial = None
    for position, route in enumerate(routes):
        match, _ = route.matches(dict(scope))
        if match == Match.FULL:
            return position
        if match == Match.PARTIAL and partial is None:
            partial = position
    return partial


def _samples() -> set[str]:
    paths = {route.path for router in (pos.router, identification.router) for route in router.routes}  # type: ignore[attr-defined]
    samples = set()
    for path in paths:
        for filling in FILLINGS:
            samples.add(re.sub(r"\{[^}]+\}", filling, path))
    return samples


def test_the_till_routes_answer_exactly_the_addresses_they_answered(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = create_app(settings)
    written = _written_app(settings, monkeypatch)
    assert _describe(serving.router.routes[0]) != _describe(written.router.routes[0])  # the order did change
    samples = _samples()
    assert len(samples) > 20
    for path in sorted(samples):
        for method in METHODS:
            before = _chosen(written.router.routes, method, path)
            after = _chosen(serving.router.routes, method, path)
            described_before = None if before is None else _describe(written.router.routes[before])
            described_after = None if after is None else _describe(serving.router.routes[after])
            assert described_after == described_before, (method, path)


def _describe(route: BaseRoute) -> tuple[str, ...]:
    """An entry by what it routes (two apps' entries are different objects)."""
    inner = getattr(route, "original_router", None)
    if inner is not None:
        return ("router", *sorted(getattr(r, "path", "") for r in inner.routes))
    return (type(route).__name__, getattr(route, "path", ""))


def test_the_openapi_document_keeps_the_written_order(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    serving = create_app(settings)
    written = _written_app(settings, monkeypatch)
    assert list(serving.openapi()["paths"]) == list(written.openapi()["paths"])
    assert serving.openapi() == written.openapi()
    assert [_describe(route) for route in serving.router.routes][:2] != [
        _describe(route) for route in written.router.routes
    ][:2]
