"""`zhizao users create | list | unlock` — accounts, including the first administrator."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from assessment.accounts.identity import generate_password
from assessment.accounts.organisations import count_users, create_user, list_users, unlock_user
from assessment.accounts.principal import Principal, Role
from assessment.cli.db import add_database_option, open_from_args
from assessment.cli.output import fail
from assessment.errors import LifecycleError


def register(sub: Any) -> None:
    cmd = sub.add_parser("users", help="accounts: create (also the first administrator), list")
    actions = cmd.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create",
        help="create an account",
        description="Create an account. Without --password-stdin a random password is generated "
        "and printed once.",
    )
    add_database_option(create)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--email", required=True)
    create.add_argument("--org", type=int, metavar="ID", help="organisation (enterprise accounts)")
    create.add_argument("--name", help="display name (default: the email's local part)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", help="list accounts")
    add_database_option(listing)
    listing.set_defaults(handler=_list)

    unlock = actions.add_parser("unlock", help="lift a lockout after failed logins")
    add_database_option(unlock)
    unlock.add_argument("user_id", type=int)
    unlock.set_defaults(handler=_unlock)


OPERATOR = Principal.system("cli")


def _create(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        generated = False
    else:
        password = generate_password()
        generated = True
    db = open_from_args(args)
    try:
        first = count_users(db) == 0
        user = create_user(
            OPERATOR, db, email=args.email, role=args.role, password=password,
            org_id=args.org, display_name=args.name,
        )  # fmt: skip
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    org = f" of organisation {user.organisation_id}" if user.organisation_id else ""
    print(f"created {user.role} account {user.id}: {user.email}{org}")
    if generated:
        print(f"password: {password}")
        print("(shown once; the database keeps only a scrypt hash)")
    if first and user.role != Role.ADMINISTRATOR.value:
        print("note: there is no administrator yet; create one with --role administrator")
    return 0


def _list(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        users = list_users(OPERATOR, db)
    finally:
        db.dispose()
    print(f"{'id':>4}  {'role':<13} {'org':>5}  {'state':<8} email")
    for user in users:
        state = "locked" if user.locked_until else "active" if user.active else "inactive"
        org = str(user.organisation_id) if user.organisation_id else "-"
        print(f"{user.id:>4}  {user.role:<13} {org:>5}  {state:<8} {user.email}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        user = unlock_user(OPERATOR, db, args.user_id)
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    print(f"unlocked account {user.id}: {user.email}")
    return 0
