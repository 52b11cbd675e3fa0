"""The order the router tries the routes in, apart from the order the OpenAPI document lists them in.

The router tries every route in turn until one matches the address: a purchase, written after a dozen routers of
admin and member routes, was matched against about forty routes first. `serve_first` moves the till's routers to
the front of the routing list and keeps the document in the written order. That changes no answer only because no
route of the moved routers shares an address with a route of another router (tests/api/test_routing_order.py).
"""

from __future__ import annotations

from collections.abc import Sequence
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

    def openapi() -> dict[str, Any]:
        # Synchronous, so no other request routes while the list is swapped.
        serving = app.router.routes
        known = {id(route) for route in written}
        app.router.routes = [*written, *(route for route in serving if id(route) not in known)]  # added since
        try:
            return FastAPI.openapi(app)
        finally:
            app.router.routes = serving

    app.openapi = openapi  # type: ignore[method-assign]
