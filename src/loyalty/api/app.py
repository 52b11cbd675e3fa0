"""The HTTP application: create_app(settings) wires the database, the routes and the pages."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import BaseRoute

from loyalty import __version__, web
from loyalty.api import docs, errors, guards, heap, languages, request_ids, routing
from loyalty.api.como import routes as como
from loyalty.api.como.outer import ComoEnvelope
from loyalty.api.v1 import (
    admin,
    benefits,
    codes,
    events,
    figures,
    identification,
    members,
    points,
    pos,
    rules,
    sales,
    simulation,
    system,
)
from loyalty.api.v1 import credit as credit_routes
from loyalty.api.v1 import data_rights as data_right_routes
from loyalty.api.v1 import imports as import_routes
from loyalty.api.v1 import member_sessions as member_session_routes
from loyalty.api.v1 import punch_cards as punch_card_routes
from loyalty.api.v1 import shop as shop_routes
from loyalty.api.v1 import webhooks as webhook_routes
from loyalty.db.engine import Database
from loyalty.members import access
from loyalty.settings import Settings


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    app = FastAPI(
        title="loyalty",
        version=__version__,
        summary="Points, benefits and promo codes behind a point of sale.",
        openapi_url="/openapi.json",
        docs_url=None,  # /docs and /redoc: served by loyalty.api.docs from packaged files
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.keys = access.KeyCache()
    errors.install(app)
    till: list[BaseRoute] = []  # the routes a till calls at every sale: tried first (routing.serve_first)
    for module in (
        system,
        admin,
        members,
        identification,
        benefits,
        codes,
        pos,
        sales,
        rules,
        simulation,
        events,
        figures,
        points,
    ):
        added = routing.include(app, module.router)
        if module in (pos, identification):
            till += added
    docs.install(app)
    app.include_router(credit_routes.router)
    app.include_router(shop_routes.router)
    app.include_router(punch_card_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(member_session_routes.router)
    app.include_router(import_routes.router)
    app.include_router(data_right_routes.router)
    web.install(app)  # the pages, their static files and the member-app and report endpoints
    app.include_router(como.router)  # the Como POS API v4, for tills that already speak it
    app.openapi_tags = [*(app.openapi_tags or []), como.TAG_METADATA]

    routing.serve_first(app, till)

    reports = [guards.access_line]
    if settings.metrics:
        from loyalty.api import metrics

        metrics.install(app)  # the route
        reports.append(metrics.count)  # the request counter
    app.add_middleware(guards.Reported, reports=reports)
    app.add_middleware(languages.AcceptLanguage)  # explanations and histories follow the reader's language
    # Added last, so outermost: a body too large is refused before any of the above reads it, and an
    # unexpected error is answered without dropping the connection.
    app.add_middleware(guards.TextOnly)  # inside the body limit: it reads a body the limit has already bounded
    app.add_middleware(guards.BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(guards.Contained)
    app.add_middleware(ComoEnvelope)  # around both: a Como till reads their refusals in Como's envelope
    app.add_middleware(request_ids.RequestIds)  # outermost: the id is on every log line and error answer
    return app


def app_from_env() -> FastAPI:
    """The factory `loyalty serve` hands to uvicorn (each worker builds its own)."""
    from loyalty import logs

    settings = Settings.from_env()
    logs.configure(settings.log_level)
    app = create_app(settings)
    app.router.add_event_handler("startup", heap.settle)
    if settings.webhooks_worker:
        from loyalty.webhooks.worker import Worker

        worker = Worker(app.state.db, allow_private=settings.webhooks_allow_private)
        app.router.add_event_handler("startup", worker.start)
        app.router.add_event_handler("shutdown", worker.stop)
    return app
