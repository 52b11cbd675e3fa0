"""The pages: server-rendered shells whose small scripts talk to the public API with the key kept in the browser.

The server never sees a key in a page request (keys travel in the URL fragment and in localStorage), so pages carry
no data that needs one; the member app's page knows its business from the URL.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from loyalty import __version__
from loyalty.api.deps import database
from loyalty.db.engine import Database
from loyalty.members import app
from loyalty.money import currency_exponent
from loyalty.web import languages

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

# Scripts and styles come from this server only; QR codes are inline SVG; the till's camera needs blob: frames.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@cache
def _fingerprint(name: str) -> str:
    path = STATIC / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else __version__
    return digest


def static_url(name: str) -> str:
    """/static/name?v=<content hash>: browsers may keep a file as long as it does not change."""
    return f"/static/{name}?v={_fingerprint(name)}"


templates.env.globals["static_url"] = static_url
templates.env.globals["version"] = __version__
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
    languages.gettext, languages.ngettext, newstyle=True
)


# The pages whose words are all in the catalogues (the others say `<html lang="en">` whatever the browser asks).
TRANSLATED = frozenset({"till.html", "member.html", "campaigns.html", "not_found.html", "landing.html"})


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    speech, asked = languages.chosen(request)
    if template not in TRANSLATED:
        speech, asked = languages.english(), None
    with languages.speaking(speech):  # the template is rendered here, in the chosen language
        response = templates.TemplateResponse(
            request,
            template,
            {**context, "lang": speech.language, "i18n": languages.face_data(speech)},
            status_code=status,
        )
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = speech.language
    response.headers["Vary"] = "Accept-Language, Cookie"
    if asked is not None:  # a choice made with ?lang= is kept: the till's cashier finds it on the next visit
        response.set_cookie(languages.COOKIE, asked, max_age=365 * 86_400, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    return page(request, "landing.html")


@router.get("/till", response_class=HTMLResponse)
def till(request: Request) -> HTMLResponse:
    return page(request, "till.html")


@router.get("/campaigns", response_class=HTMLResponse)
def campaign_center(request: Request) -> HTMLResponse:
    return page(request, "campaigns.html")


@router.get("/app", response_class=HTMLResponse)
def member_app_chooser(request: Request, business: str = "") -> Response:
    """The landing page's "open the member app" form, also without JavaScript."""
    wanted = business.strip()
    if wanted:
        return RedirectResponse(f"/app/{quote(wanted, safe='')}", status_code=303)
    return page(request, "not_found.html", status=404, what="loyalty programme")


@router.get("/app/{business_id}", response_class=HTMLResponse)
def member_app(request: Request, business_id: str, db: Database = Depends(database)) -> HTMLResponse:
    business = None
    try:
        wanted = uuid.UUID(business_id)
    except ValueError:
        wanted = None
    if wanted is not None:
        business = app.programme(db, wanted)
    if business is None:
        return page(request, "not_found.html", status=404, what="loyalty programme")
    return page(
        request,
        "member.html",
        business={
            "id": str(business.id),
            "name": business.name,
            "currency": business.currency,
            "currency_decimals": currency_exponent(business.currency),
        },
    )
