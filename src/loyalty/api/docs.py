"""`/docs`: Swagger UI from the files a Python package ships, served by this server, so it renders without
internet (FastAPI's default page loads it from a CDN)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def security_headers(html: str) -> dict[str, str]:
    """The pages' headers for a documentation page: its one inline script allowed by its digest, nothing else
    from elsewhere (Swagger UI sets inline styles, so styles may be inline here)."""
    digests = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' {digests}; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def install(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=Path(swagger_ui_path)), name="swagger-ui")

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
    def redoc() -> RedirectResponse:
        # ReDoc would load from a CDN (blank offline, and outside the pages' policy): the same reference is /docs.
        moved = RedirectResponse("/docs", status_code=307)
        moved.headers.update(security_headers(""))
        return moved
