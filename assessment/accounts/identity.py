"""The identity boundary: local accounts in, a `Principal` out.

Everything else in assessment/ only ever sees a `Principal(user_id, role, org_id)`; replacing local
passwords with OIDC later means replacing `authenticate()` (and account creation) here, nothing more.

Passwords are hashed with scrypt (hashlib) and a per-user random salt; the cost parameters are stored
in the hash string, so raising them later keeps old hashes verifiable. After `max_failures` wrong
passwords in a row an account is locked for `lock_minutes`; every failure, lock and success is audited.

A failed sign-in says one thing and costs one scrypt check, whatever the reason (unknown email,
wrong password, inactive or locked account, characters no account can have), so neither the answer
nor its timing tells whether an account exists. Each account has a credential version, raised when
its password changes; a session keeps the version it signed in with and ends when it is outdated.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update

from assessment.accounts import audit
from assessment.accounts.principal import Clock, Principal, Role
from assessment.errors import AuthenticationFailed, InvalidInput
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import User
from assessment.text import text_problems
from standards.problems import Problem

# --- passwords ------------------------------------------------------------------------------------

SCRYPT_N = int(os.environ.get("ZHIZAO_SCRYPT_N", str(2**15)))
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str, *, n: int | None = None) -> str:
    """`scrypt$n=32768,r=8,p=1$<salt>$<key>` (base64 salt and key)."""
    cost = n or SCRYPT_N
    salt = os.urandom(16)
    key = _scrypt(password, salt, cost, SCRYPT_R, SCRYPT_P)
    return (
        f"scrypt$n={cost},r={SCRYPT_R},p={SCRYPT_P}$"
        f"{base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    )


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=256 * r * (n + 2) * p
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, params, salt_b64, key_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        cost = dict(part.split("=") for part in params.split(","))
        salt = base64.b64decode(salt_b64)
        key = base64.b64decode(key_b64)
        candidate = _scrypt(password, salt, int(cost["n"]), int(cost["r"]), int(cost["p"]))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(candidate, key)


# Hashes of no account, one per cost: a sign-in that cannot check a real hash (unknown email, locked
# account, refused characters) checks one of these at the cost new passwords are hashed with.
_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    cost = SCRYPT_N
    if cost not in _dummy_hashes:
        _dummy_hashes[cost] = hash_password(secrets.token_hex(8), n=cost)
    return _dummy_hashes[cost]


_dummy_hash()


def password_problem(password: str) -> Problem | None:
    """What is wrong with a new password (placed at `password`), or None."""
    if problems := text_problems(password, "password", max_length=MAX_PASSWORD_LENGTH):
        return problems[0]
    if len(password) < MIN_PASSWORD_LENGTH:
        return Problem(
            ("password",), "accounts.password_too_short",
            {"min": MIN_PASSWORD_LENGTH, "length": len(password)},
        )  # fmt: skip
    if password.strip() != password:
        return Problem(("password",), "accounts.password_spaces")
    return None


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> Problem | None:
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        return Problem(("email",), "accounts.email_invalid", {"email": email})
    return None


# --- login and lockout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lock_minutes: int = 15

    @classmethod
    def from_env(cls) -> LockoutPolicy:
        return cls(
            int(os.environ.get("ZHIZAO_LOCKOUT_FAILURES", "5")),
            int(os.environ.get("ZHIZAO_LOCKOUT_MINUTES", "15")),
        )


# The one answer to every failed sign-in (its English is `SIGN_IN_FAILED`).
SIGN_IN_FAILED_PROBLEM = Problem((), "accounts.sign_in_failed")
SIGN_IN_FAILED = (
    "wrong email or password, or the account is locked for a while after repeated failures; "
    "try again later or ask an administrator"
)


def _principal(row: Any) -> Principal:
    return Principal(row.id, Role(row.role), row.organisation_id, row.email, row.credential_version)


def authenticate(
    db: Database,
    email: str,
    password: str,
    *,
    clock: Clock = utcnow,
    policy: LockoutPolicy | None = None,
) -> Principal:
    """The Principal for a correct email and password; AuthenticationFailed (SIGN_IN_FAILED)
    otherwise. The failure count and lock are committed even though the login fails.

    The scrypt check (~160 ms of CPU) runs outside any transaction, between two short write
    transactions, so a sign-in never holds SQLite's one write lock while it hashes:

    1. *claim*: one UPDATE counts the attempt and returns the account, but only for an account
       that is not locked and still has a guess left (`failed_logins < max_failures`). It takes
       the account's row lock (PostgreSQL; SQLite's write transaction serialises anyway), so
       however many guesses arrive at once, at most `max_failures` are checked against the
       account's hash before the lock holds; the others check a dummy hash and fail uncounted,
       as against a locked account. An account with no guess left and no lock (its last guesses
       never finished, or the policy was lowered) is locked by that claim, so it cannot stay
       unreachable.
    2. the hash is checked, with no transaction open;
    3. *outcome*: a success resets the count and clears any lock, but only if the account's
       password, credential version and activity are still those the claim read (a
       compare-and-set in the UPDATE); a failure is audited with the count its claim reached,
       and the claim that reached `max_failures` sets the lock unless another attempt has
       already set it.
    """
    policy = policy or LockoutPolicy.from_env()
    if text_problems(email, "email") or text_problems(
        password, "password", max_length=MAX_PASSWORD_LENGTH
    ):
        # Such text is in no account (and NUL would break a PostgreSQL query): fail as alike.
        verify_password("refused input", _dummy_hash())
        raise AuthenticationFailed(SIGN_IN_FAILED_PROBLEM)
    now = clock()
    attempt = _claim(db, normalise_email(email), now, policy)
    if attempt is None:  # no such account, locked, or every guess it has left is being checked
        verify_password(password, _dummy_hash())
        raise AuthenticationFailed(SIGN_IN_FAILED_PROBLEM)
    matched = verify_password(password, attempt.password_hash)
    principal = _settle(db, attempt, matched, now, policy)
    if principal is None:
        raise AuthenticationFailed(SIGN_IN_FAILED_PROBLEM)
    return principal


def _not_locked(now: datetime) -> ColumnElement[bool]:
    return or_(User.locked_until.is_(None), User.locked_until <= now)


_SEEN = (
    User.id, User.email, User.role, User.organisation_id, User.password_hash, User.active,
    User.failed_logins, User.credential_version,
)  # fmt: skip


def _claim(db: Database, email: str, now: datetime, policy: LockoutPolicy) -> Any | None:
    """Count one attempt on the account and return what it was checked against (None: no
    guess may be checked now)."""
    # A policy of 0 has always meant "lock at the first failure"; it must not mean "no guess".
    limit = max(policy.max_failures, 1)
    with db.write() as session:
        attempt = session.execute(
            update(User)
            .where(
                User.email == email,
                _not_locked(now),
                User.failed_logins < limit,
            )
            .values(failed_logins=User.failed_logins + 1)
            .returning(*_SEEN)
            .execution_options(synchronize_session=False)
        ).first()
        if attempt is not None:
            return attempt
        spent = session.execute(
            update(User)
            .where(
                User.email == email,
                _not_locked(now),
                User.failed_logins >= limit,
            )
            .values(failed_logins=0, locked_until=now + timedelta(minutes=policy.lock_minutes))
            .returning(*_SEEN, User.locked_until)
            .execution_options(synchronize_session=False)
        ).first()
        if spent is not None:
            audit.record(
                session, _principal(spent), "login.locked", "user", spent.id, at=now,
                after={"locked_until": spent.locked_until},
            )  # fmt: skip
        return None


def _settle(
    db: Database, attempt: Any, matched: bool, now: datetime, policy: LockoutPolicy
) -> Principal | None:
    """Apply a checked attempt: the Principal on success, None (failure recorded) otherwise."""
    with db.write() as session:
        if matched:
            done = session.execute(
                update(User)
                .where(
                    User.id == attempt.id,
                    User.password_hash == attempt.password_hash,
                    User.credential_version == attempt.credential_version,
                    User.active.is_(True),
                )
                .values(failed_logins=0, locked_until=None, last_login_at=now)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount == 1:
                principal = _principal(attempt)
                audit.record(session, principal, "login.ok", "user", attempt.id, at=now)
                return principal
        actor = _principal(attempt)
        audit.record(
            session, actor, "login.failed", "user", attempt.id, at=now,
            after={"failed_logins": attempt.failed_logins},
        )  # fmt: skip
        if attempt.failed_logins >= policy.max_failures:
            locked_until = now + timedelta(minutes=policy.lock_minutes)
            locked = session.execute(
                update(User)
                .where(User.id == attempt.id, _not_locked(now))
                .values(failed_logins=0, locked_until=locked_until)
                .execution_options(synchronize_session=False)
            )
            if locked.rowcount == 1:
                audit.record(
                    session, actor, "login.locked", "user", attempt.id, at=now,
                    after={"locked_until": locked_until},
                )  # fmt: skip
        return None


def authenticate_external(
    db: Database, email: str, issuer: str, *, clock: Clock = utcnow
) -> Principal | None:
    """The Principal of the active local account with this e-mail, for someone an identity
    provider (OIDC, `st.login`) has just vouched for; None when there is no such account. The
    provider decides who the person is; the local account decides what they may do."""
    if text_problems(email, "email"):
        return None
    now = clock()
    with db.write() as session:
        user = session.scalar(
            select(User).where(User.email == normalise_email(email), User.active.is_(True))
        )
        if user is None:
            return None
        principal = _principal(user)
        user.last_login_at = now
        audit.record(
            session, principal, "login.oidc", "user", user.id, at=now, after={"issuer": issuer}
        )
        return principal


def principal_for(
    db: Database, user_id: int, *, credential_version: int | None = None
) -> Principal:
    """The Principal of an existing, active account (e.g. a remembered session).

    With `credential_version` (the one a session signed in with), an account whose credentials
    changed since is refused too: that session has ended.
    """
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed(Problem((), "accounts.account_inactive", {"id": user_id}))
        if credential_version is not None and user.credential_version != credential_version:
            raise AuthenticationFailed(Problem((), "accounts.session_outdated", {"id": user_id}))
        return _principal(user)


def check_new_account(email: str, password: str) -> None:
    problems = [p for p in (email_problem(email), password_problem(password)) if p]
    if problems:
        raise InvalidInput(problems)
