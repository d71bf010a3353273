"""Organisations and accounts (services; each takes the acting Principal first)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from assessment.accounts import audit, sessions
from assessment.accounts.access import load_organisation, organisation_filter, require_admin
from assessment.accounts.classifications import (
    CHECK_CHARACTER,
    SizeClass,
    credit_code_problem,
    industry_problem,
    normalise_credit_code,
    region_problem,
)
from assessment.accounts.identity import (
    check_new_account,
    hash_password,
    normalise_email,
    password_problem,
    verify_password,
)
from assessment.accounts.principal import Clock, Principal, Role
from assessment.benchmark import store as benchmark_store
from assessment.errors import InvalidInput, NotFound, PermissionDenied
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import Organisation, SignInSession, User
from assessment.text import text_problems
from standards.problems import Problem

INDUSTRY_TYPES = ("discrete", "process")


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    credit_code: str
    credit_code_valid: bool
    credit_code_override_reason: str | None
    industry_code: str
    industry_type: str | None
    region_code: str
    size_class: str | None
    employees: int | None
    revenue_wan: float | None
    synthetic: bool
    created_at: datetime


def _org_view(org: Organisation) -> OrganisationView:
    return OrganisationView(
        org.id,
        org.name,
        org.credit_code,
        org.credit_code_valid,
        org.credit_code_override_reason,
        org.industry_code,
        org.industry_type,
        org.region_code,
        org.size_class,
        org.employees,
        org.revenue_wan,
        org.synthetic,
        org.created_at,
    )


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    display_name: str
    role: str
    organisation_id: int | None
    active: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


def _user_view(user: User) -> UserView:
    return UserView(
        user.id,
        user.email,
        user.display_name,
        user.role,
        user.organisation_id,
        user.active,
        user.locked_until,
        user.created_at,
        user.last_login_at,
    )


def _org_fields_problems(fields: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if "name" in fields:
        if not str(fields["name"] or "").strip():
            problems.append(Problem(("name",), "accounts.organisation_unnamed"))
        else:
            problems += text_problems(fields["name"], "name", max_length=200)
    if "industry_code" in fields and (p := industry_problem(str(fields["industry_code"]))):
        problems.append(p)
    if "region_code" in fields and (p := region_problem(str(fields["region_code"]))):
        problems.append(p)
    size = fields.get("size_class")
    if size is not None and size not in {s.value for s in SizeClass}:
        problems.append(
            Problem(
                (), "accounts.size_class_unknown",
                {"given": size, "expected": [s.value for s in SizeClass]},
            )
        )  # fmt: skip
    kind = fields.get("industry_type")
    if kind is not None and kind not in INDUSTRY_TYPES:
        problems.append(Problem((), "accounts.industry_type_unknown", {"given": kind}))
    employees = fields.get("employees")
    if employees is not None and (
        isinstance(employees, bool) or not isinstance(employees, int) or employees < 0
    ):
        problems.append(Problem(("employees",), "accounts.employees_invalid", {"given": employees}))
    revenue = fields.get("revenue_wan")
    if revenue is not None and (
        isinstance(revenue, bool)
        or not isinstance(revenue, int | float)
        or not math.isfinite(revenue)
        or revenue < 0
    ):
        problems.append(Problem((), "accounts.revenue_invalid", {"given": revenue}))
    return problems


def create_organisation(
    actor: Principal,
    db: Database,
    *,
    name: str,
    credit_code: str,
    industry_code: str,
    region_code: str,
    size_class: str | None = None,
    industry_type: str | None = None,
    employees: int | None = None,
    revenue_wan: float | None = None,
    accept_invalid_code_reason: str | None = None,
    synthetic: bool = False,
    demo: bool = False,
    clock: Clock = utcnow,
) -> OrganisationView:
    """Register an organisation (administrators only).

    A 统一社会信用代码 that fails the GB 32100 check is rejected unless `accept_invalid_code_reason`
    says why this legal code is accepted anyway (e.g. an early pilot-area code); the reason is stored
    with the organisation and in the audit log. A malformed code is never accepted. `demo` marks a
    firm of the demo data, whose results only the demo issuer key signs.
    """
    require_admin(actor, "register an organisation")
    code = normalise_credit_code(credit_code)
    fields = {
        "name": name,
        "industry_code": industry_code,
        "region_code": region_code,
        "size_class": size_class,
        "industry_type": industry_type,
        "employees": employees,
        "revenue_wan": revenue_wan,
    }
    problems = _org_fields_problems(fields)
    code_problem = credit_code_problem(code)
    reason = (accept_invalid_code_reason or "").strip() or None
    valid = code_problem is None
    if code_problem is not None:
        check_only = code_problem.code == CHECK_CHARACTER
        if not check_only or reason is None:
            problems.append(code_problem)
    elif reason is not None:
        problems.append(Problem((), "accounts.credit_code_no_override", {"code": code}))
    now = clock()
    with db.write() as session:
        if session.scalars(select(Organisation.id).where(Organisation.credit_code == code)).first():
            problems.append(Problem((), "accounts.credit_code_taken", {"code": code}))
        if problems:
            raise InvalidInput(problems)
        org = Organisation(
            name=name.strip(),
            credit_code=code,
            credit_code_valid=valid,
            credit_code_override_reason=None if valid else reason,
            industry_code=industry_code,
            industry_type=industry_type,
            region_code=region_code,
            size_class=size_class,
            employees=employees,
            revenue_wan=revenue_wan,
            synthetic=synthetic,
            demo=demo,
            created_at=now,
        )
        session.add(org)
        session.flush()
        view = _org_view(org)
        audit.record(session, actor, "organisation.create", "organisation", org.id, at=now,
                     after=vars(view))  # fmt: skip
        if not valid:
            audit.record(
                session, actor, "organisation.credit_code_override", "organisation", org.id,
                at=now, after={"credit_code": code, "problem": str(code_problem), "reason": reason},
            )  # fmt: skip
        return view


# What decides the benchmark cohorts a firm is counted in (industry, region, size class — and
# the employees and revenue the size class follows from), and the industry type that decides
# which items it answers. A firm that could change these could step from cohort to cohort and
# compare itself with each, so they are an administrator's to change.
CLASSIFICATION = (
    "industry_code",
    "industry_type",
    "region_code",
    "size_class",
    "employees",
    "revenue_wan",
)
MEMBER_EDITABLE = ("name",)
EDITABLE = (*MEMBER_EDITABLE, *CLASSIFICATION)


def update_organisation(
    actor: Principal, db: Database, org_id: int, *, clock: Clock = utcnow, **changes: Any
) -> OrganisationView:
    """Change an organisation's fields: its name (its own members, or an administrator) and its
    classification (administrators only).

    The credit code is not editable: a wrong code means a different organisation.
    """
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(
            Problem((), "accounts.not_editable", {"fields": unknown, "editable": list(EDITABLE)})
        )
    problems = _org_fields_problems(changes)
    if problems:
        raise InvalidInput(problems)
    if isinstance(changes.get("name"), str):
        changes["name"] = changes["name"].strip()
    now = clock()
    with db.write() as session:
        org = load_organisation(session, actor, org_id)
        if not (actor.is_admin or (actor.role is Role.ENTERPRISE and actor.org_id == org.id)):
            raise PermissionDenied(
                Problem(("edit an organisation",), "accounts.members_or_admin_only")
            )
        reserved = [k for k in CLASSIFICATION if k in changes]
        if reserved and not actor.is_admin:
            raise PermissionDenied(
                Problem(
                    (), "accounts.classification_admin_only",
                    {"fields": reserved, "editable": list(MEMBER_EDITABLE)},
                )
            )  # fmt: skip
        before = {k: getattr(org, k) for k in changes}
        for key, value in changes.items():
            setattr(org, key, value)
        session.flush()
        if reserved:  # the firm's rows move to the cohorts of its new classification
            benchmark_store.refresh(session, benchmark_store.of_organisation(session, org.id))
        audit.record(session, actor, "organisation.update", "organisation", org.id, at=now,
                     before=before, after=changes)  # fmt: skip
        return _org_view(org)


def get_organisation(actor: Principal, db: Database, org_id: int) -> OrganisationView:
    with db.read() as session:
        return _org_view(load_organisation(session, actor, org_id))


def list_organisations(
    actor: Principal, db: Database, *, include_synthetic: bool = False
) -> list[OrganisationView]:
    with db.read() as session:
        query = select(Organisation).where(organisation_filter(actor)).order_by(Organisation.id)
        if not include_synthetic:
            query = query.where(Organisation.synthetic.is_(False))
        return [_org_view(o) for o in session.scalars(query)]


# --- accounts ------------------------------------------------------------------------------------


def create_user(
    actor: Principal,
    db: Database,
    *,
    email: str,
    role: Role | str,
    password: str,
    org_id: int | None = None,
    display_name: str | None = None,
    clock: Clock = utcnow,
) -> UserView:
    """Create an account (administrators, or the local operator for the first administrator)."""
    require_admin(actor, "create an account")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(
            Problem(
                (), "accounts.role_unknown", {"given": role, "expected": [r.value for r in Role]}
            )
        ) from None
    # Checked as typed (before normalising), so a refused character's position is where it was
    # typed; the password's own characters are checked with its other rules.
    typed = text_problems(email, "email")
    if display_name is not None:
        typed += text_problems(display_name, "display name", max_length=200)
    if typed:
        raise InvalidInput(typed)
    address = normalise_email(email)
    check_new_account(address, password)
    if role is Role.ENTERPRISE and org_id is None:
        raise InvalidInput(Problem((), "accounts.enterprise_needs_organisation"))
    if role is not Role.ENTERPRISE and org_id is not None:
        raise InvalidInput(Problem((), "accounts.role_has_no_organisation", {"role": role.value}))
    now = clock()
    password_hash = hash_password(password)  # slow on purpose: outside the transaction
    with db.write() as session:
        if org_id is not None and session.get(Organisation, org_id) is None:
            raise InvalidInput(Problem((), "accounts.organisation_missing", {"id": org_id}))
        if session.scalars(select(User.id).where(User.email == address)).first():
            raise InvalidInput(Problem((), "accounts.email_taken", {"email": address}))
        user = User(
            email=address,
            display_name=(display_name or address.split("@")[0]).strip(),
            role=role.value,
            organisation_id=org_id,
            password_hash=password_hash,
            failed_logins=0,
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        view = _user_view(user)
        audit.record(session, actor, "user.create", "user", user.id, at=now,
                     after={"email": address, "role": role.value, "organisation_id": org_id})  # fmt: skip
        return view


def list_users(actor: Principal, db: Database, *, role: Role | None = None) -> list[UserView]:
    require_admin(actor, "list accounts")
    with db.read() as session:
        query = select(User).order_by(User.id)
        if role is not None:
            query = query.where(User.role == role.value)
        return [_user_view(u) for u in session.scalars(query)]


def count_users(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def unlock_user(actor: Principal, db: Database, user_id: int, *, clock: Clock = utcnow) -> UserView:
    require_admin(actor, "unlock an account")
    now = clock()
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(Problem((), "accounts.account_not_found", {"id": user_id}))
        before = {"locked_until": user.locked_until, "failed_logins": user.failed_logins}
        user.locked_until = None
        user.failed_logins = 0
        audit.record(session, actor, "user.unlock", "user", user.id, at=now, before=before)
        session.flush()
        return _user_view(user)


def change_password(
    actor: Principal, db: Database, *, old: str, new: str, clock: Clock = utcnow
) -> None:
    """Change one's own password (the old one is asked again).

    Raises the account's credential version, which ends every session signed in with the old
    password (the next run of such a session finds its version outdated).
    """
    if actor.user_id is None:
        raise PermissionDenied(Problem(("change password",), "accounts.operator_has_no_password"))
    if problem := password_problem(new):
        raise InvalidInput(problem)
    now = clock()
    new_hash = hash_password(new)
    with db.write() as session:
        user = session.get(User, actor.user_id)
        if user is None or not verify_password(old, user.password_hash):
            raise InvalidInput(Problem(("current password",), "accounts.wrong_password"))
        user.password_hash = new_hash
        user.credential_version = User.credential_version + 1
        audit.record(session, actor, "user.password_change", "user", user.id, at=now)


def set_active(
    actor: Principal, db: Database, user_id: int, active: bool, *, clock: Clock = utcnow
) -> UserView:
    """Disable an account (it can no longer sign in, and every session of it ends in the same
    transaction, so its open tabs are signed out on their next click) or enable it again."""
    require_admin(actor, "disable or enable an account")
    if actor.user_id is not None and actor.user_id == user_id and not active:
        raise InvalidInput(Problem(("user",), "accounts.cannot_disable_self", {"id": user_id}))
    now = clock()
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(Problem((), "accounts.account_not_found", {"id": user_id}))
        if user.active != active:
            audit.record(
                session, actor, "user.enable" if active else "user.disable", "user", user.id,
                at=now, before={"active": user.active}, after={"active": active},
            )  # fmt: skip
            user.active = active
            if not active:
                sessions.end_rows(session, SignInSession.user_id == user_id, now)
        session.flush()
        return _user_view(user)
