"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from the files Python packages ship, served by this server, so both
render without internet (FastAPI's default pages load them from a CDN, and ReDoc also Google's fonts)."""

from __future__ import annotations

from pathlib import Path

import fastapi_standalone_docs
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"
REDOC_ASSETS = "/redoc/assets"
REDOC_FILES = Path(fastapi_standalone_docs.__path__[0]) / "static" / "redoc"


def install(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=Path(swagger_ui_path)), name="swagger-ui")
    app.mount(REDOC_ASSETS, StaticFiles(directory=REDOC_FILES), name="redoc")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/static/icon.svg",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API reference",
            redoc_js_url=f"{REDOC_ASSETS}/redoc.standalone.js",
            redoc_favicon_url="/static/icon.svg",
            with_google_fonts=False,
        )
