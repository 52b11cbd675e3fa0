"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from the files Python packages ship, served by this server, so both
render without internet (FastAPI's default pages load them from a CDN, and ReDoc also Google's fonts), under the
pages' security headers."""

from __future__ import annotations

import base64
import hashlib
import re
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
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def security_headers(html: str) -> dict[str, str]:
    """The pages' headers for a documentation page: its inline scripts allowed by their digests, nothing else
    from elsewhere (Swagger UI and ReDoc set inline styles, and ReDoc searches in a worker it makes from a blob)."""
    digests = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' {digests}; "
            "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def install(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=Path(swagger_ui_path)), name="swagger-ui")
    app.mount(REDOC_ASSETS, StaticFiles(directory=REDOC_FILES), name="redoc")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url="/static/icon.svg",
        )
        page.headers.update(security_headers(bytes(page.body).decode()))
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API reference",
            redoc_js_url=f"{REDOC_ASSETS}/redoc.standalone.js",
            redoc_favicon_url="/static/icon.svg",
            with_google_fonts=False,
        )
        page.headers.update(security_headers(bytes(page.body).decode()))
        return page
