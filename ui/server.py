"""The app's web server: Streamlit's own (st.App over Starlette) plus the two routes a sign-in
cookie needs, because a page drawn over the websocket cannot set an HttpOnly cookie.

- `POST /account/session` takes the one-time ticket the sign-in page hands the browser
  (assessment.accounts.sessions.start), spends it for a fresh token and sets the cookie:
  HttpOnly, SameSite=Strict, Secure when the app is served over https.
- `POST /account/sign-out` ends the session the cookie names and deletes the cookie (and
  Streamlit's own cookies of a sign-in through an identity provider).

- `GET /certificates/revocations.json` is the issuer's signed revocation list, made afresh for
  each request (assessment.certificates.revocations), for verifiers that work offline;
  `GET /certificates/issuer.pub.pem` and `/certificates/issuer.cert.pem` are the public key and
  the certificate they check certificates and the list with (`zhizao cert verify --public-key …
  --certificate …`).

The two posts refuse a post from another site (its Origin header names another host), so no other page can
sign a visitor into an account of its choosing. Run: `make run`, or
`python -m streamlit run ui/server.py`; `streamlit run streamlit_app.py` still works, with
sign-in kept per tab (without these routes there is no cookie).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from assessment.accounts import sessions
from assessment.certificates.issuer import Issuer, configured_issuer
from assessment.certificates.keys import PUBLIC_NAME, KeyProblem
from assessment.certificates.pdf_identity import CERT_NAME
from assessment.certificates.revocations import (
    PUBLIC_PATH as REVOCATIONS_PATH,
)
from assessment.certificates.revocations import (
    build_revocation_list,
    revoked_in,
    validity_hours,
)
from assessment.storage.db import utcnow
from ui.i18n import LANGUAGES
from ui.parts import auth
from ui.parts.common import db

ENTRY = Path(__file__).resolve().parents[1] / "streamlit_app.py"
SESSION_PATH = "/account/session"
SIGN_OUT_PATH = "/account/sign-out"
STREAMLIT_IDENTITY_COOKIES = "_streamlit_user"
ISSUER_KEY_PATH = "/certificates/issuer.pub.pem"
ISSUER_CERT_PATH = "/certificates/issuer.cert.pem"


def _same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # Browsers send Origin with every cross-site POST; its absence means a same-site request
        # or a tool that is not a browser (which carries no victim's cookies).
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _home(request: Request, language: object = None) -> RedirectResponse:
    # 303: the browser follows with a GET, so a reload of the landing page never re-posts.
    query = f"lang={language}" if language in LANGUAGES else ""
    return RedirectResponse(str(request.url.replace(path="/", query=query)), status_code=303)


async def establish(request: Request) -> Response:
    if not _same_site(request):
        return PlainTextResponse("cross-site request refused", status_code=403)
    form = await request.form()
    ticket = form.get("ticket")
    # The database calls block; the event loop serves every websocket of this process meanwhile.
    token = await run_in_threadpool(
        sessions.redeem, db(), ticket if isinstance(ticket, str) else ""
    )
    if token is None:
        # A spent or stale ticket: back to the sign-in page.
        return _home(request, form.get("lang"))
    response = _home(request, form.get("lang"))
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=int(sessions.idle_limit().total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


async def sign_out(request: Request) -> Response:
    if not _same_site(request):
        return PlainTextResponse("cross-site request refused", status_code=403)
    await run_in_threadpool(sessions.end, db(), request.cookies.get(sessions.COOKIE_NAME))
    response = _home(request)
    response.delete_cookie(
        sessions.COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    # Streamlit remembers a sign-in through the identity provider (st.login) in cookies of its
    # own, split in chunks when large; all of them go, so the provider's sign-in ends here too.
    for name in request.cookies:
        if name.startswith(STREAMLIT_IDENTITY_COOKIES):
            response.delete_cookie(name, path="/")
    return response


def _usable_issuer() -> Issuer | None:
    """The issuer whose public files are served; none when there is no usable key."""
    try:
        return configured_issuer()
    except KeyProblem:
        return None


def _revocation_list() -> bytes | None:
    issuer = _usable_issuer()
    if issuer is None:
        return None
    return build_revocation_list(revoked_in(db()), issuer.key, issuer=issuer.name, now=utcnow())


async def revocations(request: Request) -> Response:
    body = await run_in_threadpool(_revocation_list)
    if body is None:
        return PlainTextResponse("this installation has no issuer key", status_code=404)
    # Caches may keep it for a small part of its validity; verifiers still check next_update.
    max_age = min(3600, validity_hours() * 3600 // 4)
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={max_age}"},
    )


def _issuer_file(name: str) -> bytes | None:
    issuer = _usable_issuer()
    if issuer is None:
        return None
    path = issuer.key.path.parent / name
    return path.read_bytes() if path.is_file() else None


def _public_file(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        body = await run_in_threadpool(_issuer_file, name)
        if body is None:
            return PlainTextResponse("this installation has no issuer key", status_code=404)
        return Response(body, media_type="application/x-pem-file")

    return serve


auth.COOKIE_ROUTES = True
app = st.App(
    ENTRY,
    routes=[
        Route(SESSION_PATH, establish, methods=["POST"]),
        Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
        Route(REVOCATIONS_PATH, revocations, methods=["GET"]),
        Route(ISSUER_KEY_PATH, _public_file(PUBLIC_NAME), methods=["GET"]),
        Route(ISSUER_CERT_PATH, _public_file(CERT_NAME), methods=["GET"]),
    ],
)
