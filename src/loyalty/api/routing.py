"""The order the router tries the routes in, apart from the order the OpenAPI document lists them in.

The router tries every route in turn until one matches the address: a purchase, written after a dozen routers of
admin and member routes, was matched against about forty routes first. `serve_first` moves the till's routers to
the front of the routing list and keeps the document in the written order. That changes no answer only because no
route of the moved routers shares an address with a route of another router (tests/api/test_routing_order.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute


def include(app: FastAPI, router: APIRouter) -> list[BaseRoute]:
    """`app.include_router`, answering the entries it added to the app's routing list."""
    before = len(app.router.routes)
    app.include_router(router)
    return app.router.routes[before:]


def serve_first(app: FastAPI, first: Sequence[BaseRoute]) -> None:
    """Try `first` before every other route; call it once the app has all its routes."""
    written = list(app.router.routes)
    moved = {id(route) for route in first}
    app.router.routes[:] = [*first, *(route for route in written if id(route) not in moved)]
    # The route order shows in the document only as the order of its paths (the test compares the bytes).
    position: dict[str, int] = {}
    for path in _paths(written):
        position.setdefault(path, len(position))

    def openapi() -> dict[str, Any]:
        document = FastAPI.openapi(app)
        ordered = sorted(document["paths"].items(), key=lambda item: position.get(item[0], len(position)))
        document["paths"] = dict(ordered)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _paths(routes: Sequence[BaseRoute]) -> Iterator[str]:
    """The paths of `routes` in routing order, those of included routers in their place (`include` adds no
    prefix: their routes' paths are whole)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _paths(inner.routes)
        else:
            yield getattr(route, "path_format", "")
