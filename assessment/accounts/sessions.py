"""Sign-in sessions kept in the database, so they survive a reload and are shared by every tab and
every app process.

A session is a random token: the browser keeps it in an HttpOnly cookie, the database only its
SHA-256, so a copy of the database signs nobody in. Every run of a page asks `resolve` who the token
belongs to; the answer is "nobody" once the session ended (sign-out, in any tab), sat idle longer
than `idle_limit()` (ZHIZAO_SESSION_IDLE_HOURS, default 8), or its account was disabled or changed
its password — which is how a change made by an administrator takes effect on the next click.

The page that checks the password cannot set an HttpOnly cookie (only an HTTP response can), so it
starts the session with a one-time *handoff* ticket, valid for `HANDOFF_SECONDS`; the browser posts
the ticket to the app's `/account/session` route (ui/server.py), which `redeem`s it for a fresh
token and sets the cookie. A ticket works once, and the token it yields is new, so neither the
ticket nor anything the page saw is the cookie's value.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from assessment.accounts.identity import normalise_email, principal_for
from assessment.accounts.principal import Principal
from assessment.errors import AuthenticationFailed
from assessment.storage.db import Database, StorageBusy, utcnow
from assessment.storage.tables import SignInSession, User

COOKIE_NAME = "zhizao_session"
HANDOFF_SECONDS = 60
# A busy page reruns several times a second; recording each would be a write per click for nothing.
TOUCH_EVERY = timedelta(seconds=60)
METHODS = ("password", "oidc")


def idle_limit() -> timedelta:
    """How long a session may sit unused (ZHIZAO_SESSION_IDLE_HOURS, hours, default 8)."""
    raw = os.environ.get("ZHIZAO_SESSION_IDLE_HOURS", "8")
    try:
        hours = float(raw)
    except ValueError:
        hours = 8.0
    return timedelta(hours=hours if hours > 0 else 8.0)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Started:
    """A new session: `token` for this tab (until its cookie arrives), `handoff` for the cookie."""

    session_id: int
    token: str
    handoff: str


def start(db: Database, actor: Principal, method: str = "password") -> Started:
    """Open a session for an account that has just proven who it is."""
    if method not in METHODS:
        raise ValueError(f"sign-in method {method!r}: expected one of {', '.join(METHODS)}")
    token, handoff = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    with db.write() as session:
        row = SignInSession(
            token_sha256=_digest(token),
            user_id=actor.user_id,
            credential_version=actor.credential_version,
            method=method,
            created_at=now,
            last_seen_at=now,
            handoff_sha256=_digest(handoff),
            handoff_until=now + timedelta(seconds=HANDOFF_SECONDS),
        )
        session.add(row)
        session.flush()
        return Started(row.id, token, handoff)


def redeem(db: Database, handoff: str) -> str | None:
    """The cookie's token for a live, unused handoff ticket (which is spent), else None."""
    if not isinstance(handoff, str) or not handoff or len(handoff) > 128:
        return None
    now = utcnow()
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        # One UPDATE that both checks and spends the ticket: two posts of the same ticket cannot
        # both succeed, whatever the number of processes.
        changed = session.execute(
            update(SignInSession)
            .where(
                SignInSession.handoff_sha256 == _digest(handoff),
                SignInSession.handoff_until >= now,
                SignInSession.ended_at.is_(None),
            )
            .values(
                token_sha256=_digest(token),
                handoff_sha256=None,
                handoff_until=None,
                last_seen_at=now,
            )
        )
        return token if changed.rowcount == 1 else None


def resolve(db: Database, token: str | None, *, now: datetime | None = None) -> Principal | None:
    """Who this token signs in, or None when it is unknown, ended, idle too long, or its account
    is disabled or has new credentials (such a session is ended here, for every tab)."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return None
    now = now or utcnow()
    with db.read() as session:
        row = session.scalar(
            select(SignInSession).where(SignInSession.token_sha256 == _digest(token))
        )
        if row is None or row.ended_at is not None:
            return None
        user_id, version, last_seen, row_id = (
            row.user_id,
            row.credential_version,
            row.last_seen_at,
            row.id,
        )
    if now - last_seen > idle_limit():
        _end_rows(db, SignInSession.id == row_id, now)
        return None
    try:
        actor = principal_for(db, user_id, credential_version=version)
    except AuthenticationFailed:
        _end_rows(db, SignInSession.id == row_id, now)
        return None
    if now - last_seen >= TOUCH_EVERY:
        try:
            with db.write() as session:
                session.execute(
                    update(SignInSession)
                    .where(SignInSession.id == row_id, SignInSession.ended_at.is_(None))
                    .values(last_seen_at=now)
                )
        except StorageBusy:
            # Bookkeeping only: the session is valid now; the next click a minute on touches it.
            pass
    return actor


def provider_sign_in_spent(db: Database, email: str, issued_at: datetime) -> bool:
    """Whether an identity provider's sign-in issued at `issued_at` already had a session here
    that has ended since (signed out, idle, disabled): it may not start another one. Streamlit
    keeps the provider's sign-in in a cookie of its own for 30 days; this rule, kept in the
    database, is what makes sign-out final for every tab and process."""
    with db.read() as session:
        ended = session.scalar(
            select(func.max(SignInSession.ended_at))
            .join(User, User.id == SignInSession.user_id)
            .where(User.email == normalise_email(email), SignInSession.method == "oidc")
        )
    return ended is not None and ended >= issued_at


def end(db: Database, token: str | None) -> bool:
    """Sign this session out, in every tab that shares it. True when it was live."""
    if not isinstance(token, str) or not token or len(token) > 128:
        return False
    return _end_rows(db, SignInSession.token_sha256 == _digest(token), utcnow()) > 0


def end_all(db: Database, user_id: int) -> int:
    """Sign an account out everywhere (a disabled account, "sign out on all devices")."""
    return _end_rows(db, SignInSession.user_id == user_id, utcnow())


def _end_rows(db: Database, where: ColumnElement[bool], now: datetime) -> int:
    with db.write() as session:
        return end_rows(session, where, now)


def end_rows(session: Session, where: ColumnElement[bool], now: datetime) -> int:
    """End the live sessions `where` selects, inside the caller's transaction (a disabled
    account's sessions end together with the change that disabled it)."""
    result = session.execute(
        update(SignInSession)
        .where(where, SignInSession.ended_at.is_(None))
        .values(ended_at=now, handoff_sha256=None, handoff_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
