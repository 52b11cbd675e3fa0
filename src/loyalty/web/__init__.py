"""The three web faces (the cashier's till, the member app, the Campaign Center) and the endpoints only they use.

`install(app)` is the one call create_app makes: the pages, their static files, the member-app and report
endpoints, and the notifier that sends login codes (chosen by the settings, checked at start).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from loyalty.api.v1 import member_app, reports
from loyalty.messages import notify, outbound
from loyalty.settings import Settings
from loyalty.web import pages


def install(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.notifier = outbound.Held(app.state.db, notify.make(settings))  # held after a restore
    app.include_router(member_app.router)
    app.include_router(reports.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
