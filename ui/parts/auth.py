"""The identity boundary of the app: who is signed in, and the role checks of every page.

A sign-in is a session in the database (assessment.accounts.sessions). The browser holds its token
in an HttpOnly cookie set by the app's own route (ui/server.py), so a reload, a second tab or
another app process finds the same session; this tab also keeps the token in Session State from
the moment the password was checked until its cookie arrives (and in AppTest, which has no
cookies). Every run asks the database again who the token belongs to, so a sign-out in another
tab, a disabled account, a changed password or an idle session signs out on the next click.
The session keeps only plain ids and the token, never a database object.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from assessment.accounts import sessions
from assessment.accounts.identity import authenticate, authenticate_external
from assessment.accounts.principal import Principal, Role
from ui.parts.common import LANGUAGE_NAMES, db, lang, md, t

TOKEN_KEY = "auth_session_token"  # noqa: S105 - the name of a Session State key
# Set by ui/server.py when the app is served with its cookie routes (`make run`); under plain
# `streamlit run streamlit_app.py` or AppTest a sign-in lasts as long as the tab.
COOKIE_ROUTES = False
SESSION_ROUTE = "/account/session"
SIGN_OUT_ROUTE = "/account/sign-out"
OIDC_FRESH = 300  # seconds: how old the provider's ID token may be when it signs someone in


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE_NAME)
    except (AttributeError, RuntimeError):
        return None
    # AppTest has no HTTP request behind it and answers with a stand-in object.
    return value if isinstance(value, str) else None


def current_user() -> Principal | None:
    """The Principal of this tab's session, or None (never signed in, or the session ended)."""
    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        actor = sessions.resolve(db(), token)
        if actor is not None:
            return actor
        st.session_state.pop(TOKEN_KEY, None)
    cookie = _cookie_token()
    if cookie is not None and cookie != st.session_state.get("_auth_ended_cookie"):
        actor = sessions.resolve(db(), cookie)
        if actor is not None:
            return actor
    return _from_identity_provider()


def oidc_configured() -> bool:
    """Whether `[auth]` in secrets.toml names an OIDC provider (the optional way to sign in)."""
    try:
        section = st.secrets.get("auth")
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False
    return isinstance(section, Mapping) and bool(section.get("server_metadata_url"))


def _from_identity_provider() -> Principal | None:
    """A session for someone the identity provider has just vouched for (`st.login`).

    Streamlit keeps its own identity cookie for 30 days, whatever our rules; so it counts only
    right after the provider's redirect (its ID token issued within `OIDC_FRESH`). From then on
    this app's session holds the sign-in, and sign-out, idle expiry and a disabled account end it
    exactly as for a password.
    """
    if not oidc_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    issued = st.user.get("iat")
    if not isinstance(issued, int | float) or abs(time.time() - issued) > OIDC_FRESH:
        return None
    if st.session_state.get("_oidc_seen") == issued:
        return None  # this sign-in was used (and has ended since)
    st.session_state["_oidc_seen"] = issued
    email = st.user.get("email")
    if isinstance(email, str) and sessions.provider_sign_in_spent(
        db(), email, datetime.fromtimestamp(issued, UTC)
    ):
        return None
    actor = (
        authenticate_external(db(), email, str(st.user.get("iss", "")))
        if isinstance(email, str) and st.user.get("email_verified", True) is not False
        else None
    )
    if actor is None:
        st.session_state["_oidc_unknown"] = email if isinstance(email, str) else ""
        return None
    started = sessions.start(db(), actor, "oidc")
    st.session_state[TOKEN_KEY] = started.token
    if COOKIE_ROUTES:
        st.session_state["_auth_handoff"] = started.handoff
    return actor


def sign_in(email: str, password: str) -> Principal:
    """Check the password (lockout and audit are the service's) and open a session; when the app
    runs with its cookie routes, the browser is then sent to fetch its cookie."""
    principal = authenticate(db(), email, password)
    started = sessions.start(db(), principal, "password")
    st.session_state[TOKEN_KEY] = started.token
    st.session_state.pop("_auth_ended_cookie", None)
    if COOKIE_ROUTES:
        st.session_state["_auth_handoff"] = started.handoff
    return principal


def _post_to(route: str, fields: dict[str, str], label: str) -> None:
    """A form that the browser posts at once (a button is there if scripts are slow or off)."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    st.html(
        f'<form id="zhizao-post" method="post" action="{route}">{inputs}'
        f'<button type="submit">{html.escape(label)}</button></form>'
        f"<script>document.getElementById({json.dumps('zhizao-post')}).submit();</script>",
        unsafe_allow_javascript=True,
    )


def hand_off_cookie() -> bool:
    """After a sign-in, send the browser to fetch its cookie. True when it is on its way."""
    handoff = st.session_state.pop("_auth_handoff", None)
    if handoff is None:
        return False
    st.info(t("auth.signing_in"))
    # The language goes along, so the page after the cookie speaks the one chosen before it.
    _post_to(SESSION_ROUTE, {"ticket": handoff, "lang": lang()}, t("auth.continue"))
    return True


def sign_out() -> None:
    """End the session for every tab that shares it, forget it here, drop the cookie."""
    token = st.session_state.get(TOKEN_KEY) or _cookie_token()
    sessions.end(db(), token)
    cookie = _cookie_token()
    # The provider's sign-in just used must not sign this tab in again before its cookies go.
    keep = {"lang", "_oidc_seen"}
    for key in list(st.session_state.keys()):
        if key not in keep:
            del st.session_state[key]
    if cookie is not None:
        # This tab's websocket still carries the old cookie; it names an ended session, but the
        # tab must not even ask about it again before the browser has dropped it.
        st.session_state["_auth_ended_cookie"] = cookie
    provider = oidc_configured() and getattr(st.user, "is_logged_in", False)
    if COOKIE_ROUTES and (cookie is not None or provider):
        # The route drops our cookie and Streamlit's record of the provider's sign-in, or a
        # reload within minutes would sign in again through it.
        st.session_state["_auth_drop_cookie"] = True
    elif provider:
        st.logout()


def drop_cookie() -> bool:
    """After a sign-out, let the browser delete its cookie. True when it is on its way."""
    if not st.session_state.pop("_auth_drop_cookie", False):
        return False
    st.info(t("auth.signing_out"))
    _post_to(SIGN_OUT_ROUTE, {}, t("auth.continue"))
    return True


def require_role(*roles: Role) -> Principal:
    """The signed-in Principal when its role may see this page; otherwise say so and stop."""
    actor = current_user()
    if actor is None:
        st.warning(t("auth.sign_in_first"))
        st.stop()
    if actor.role not in roles:
        st.error(t("auth.forbidden"))
        st.stop()
    return actor


def sidebar_controls(actor: Principal | None) -> None:
    """Language switch and the account box, drawn by the entry point on every page."""
    with st.sidebar:
        st.segmented_control(
            "语言 / Language",
            list(LANGUAGE_NAMES),
            format_func=LANGUAGE_NAMES.__getitem__,
            default="zh",
            required=True,
            key="lang",
            bind="query-params",
        )
        if actor is not None:
            st.caption(
                t("auth.signed_in_as", name=md(actor.name), role=t(f"role.{actor.role.value}"))
            )
            if st.button(t("auth.sign_out"), key="sign_out", icon=":material/logout:"):
                sign_out()
                st.rerun()
