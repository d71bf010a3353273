"""The identity boundary: local accounts in, a `Principal` out.

Everything else in assessment/ only ever sees a `Principal(user_id, role, org_id)`; replacing local
passwords with OIDC later means replacing `authenticate()` (and account creation) here, nothing more.

Passwords are hashed with scrypt (hashlib) and a per-user random salt; the cost parameters are stored
in the hash string, so raising them later keeps old hashes verifiable. After `max_failures` wrong
passwords in a row an account is locked for `lock_minutes`; every failure, lock and success is audited.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from assessment import audit
from assessment.db import Database, utcnow
from assessment.errors import AuthenticationFailed, InvalidInput
from assessment.tables import User

Clock = Callable[[], datetime]


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    EVALUATOR = "evaluator"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Principal:
    """Who is acting. `org_id` is set for enterprise members only."""

    user_id: int | None
    role: Role
    org_id: int | None
    name: str

    @classmethod
    def system(cls, name: str) -> Principal:
        """The local operator (command line, seeding): an administrator without an account."""
        return cls(None, Role.ADMINISTRATOR, None, f"system:{name}")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMINISTRATOR


# --- passwords ------------------------------------------------------------------------------------

SCRYPT_N = int(os.environ.get("ZHIZAO_SCRYPT_N", str(2**15)))
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSWORD_LENGTH = 10


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


# A hash to spend the same time on when the email is unknown (no account enumeration by timing).
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password: at least {MIN_PASSWORD_LENGTH} characters, please (got {len(password)})"
    if password.strip() != password:
        return "password: no leading or trailing spaces"
    return None


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        return f"email: {email!r} is not an email address"
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


WRONG_CREDENTIALS = "wrong email or password"


def authenticate(
    db: Database,
    email: str,
    password: str,
    *,
    clock: Clock = utcnow,
    policy: LockoutPolicy | None = None,
) -> Principal:
    """The Principal for a correct email and password; AuthenticationFailed otherwise.

    The failure count and lock are committed even though the login fails.
    """
    policy = policy or LockoutPolicy.from_env()
    now = clock()
    failure: str | None = None
    principal: Principal | None = None
    with db.write() as session:
        user = session.scalars(select(User).where(User.email == normalise_email(email))).first()
        if user is None:
            verify_password(password, _DUMMY_HASH)
            failure = WRONG_CREDENTIALS
        elif user.locked_until is not None and user.locked_until > now:
            failure = (
                f"account locked after {policy.max_failures} failed logins until "
                f"{user.locked_until:%Y-%m-%d %H:%M} UTC; try again later or ask an administrator"
            )
        elif not verify_password(password, user.password_hash) or not user.active:
            actor = Principal(user.id, Role(user.role), user.organisation_id, user.email)
            user.failed_logins += 1
            failure = WRONG_CREDENTIALS
            audit.record(
                session, actor, "login.failed", "user", user.id, at=now,
                after={"failed_logins": user.failed_logins},
            )  # fmt: skip
            if user.failed_logins >= policy.max_failures:
                user.locked_until = now + timedelta(minutes=policy.lock_minutes)
                user.failed_logins = 0
                audit.record(
                    session, actor, "login.locked", "user", user.id, at=now,
                    after={"locked_until": user.locked_until},
                )  # fmt: skip
                failure = (
                    f"{WRONG_CREDENTIALS}; the account is now locked for {policy.lock_minutes} "
                    "minutes"
                )
        else:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            principal = Principal(user.id, Role(user.role), user.organisation_id, user.email)
            audit.record(session, principal, "login.ok", "user", user.id, at=now)
    if principal is None:
        raise AuthenticationFailed(failure or WRONG_CREDENTIALS)
    return principal


def principal_for(db: Database, user_id: int) -> Principal:
    """The Principal of an existing, active account (e.g. a remembered session)."""
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed(f"account {user_id} does not exist or is inactive")
        return Principal(user.id, Role(user.role), user.organisation_id, user.email)


def check_new_account(email: str, password: str) -> None:
    problems = [p for p in (email_problem(email), password_problem(password)) if p]
    if problems:
        raise InvalidInput(problems)
