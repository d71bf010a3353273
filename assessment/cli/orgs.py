"""`zhizao orgs create | list` — organisations (firms) and their classification codes."""

from __future__ import annotations

import argparse
from typing import Any

from assessment.accounts.classifications import SizeClass, region_path, regions
from assessment.accounts.organisations import create_organisation, list_organisations
from assessment.accounts.principal import Principal
from assessment.cli.db import add_database_option, open_from_args
from assessment.cli.output import fail
from assessment.errors import InvalidInput, LifecycleError

OPERATOR = Principal.system("cli")


def register(sub: Any) -> None:
    cmd = sub.add_parser("orgs", help="organisations: create, list")
    actions = cmd.add_subparsers(dest="orgs_command", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="register an organisation")
    add_database_option(create)
    create.add_argument("--name", required=True)
    create.add_argument("--credit-code", required=True, help="统一社会信用代码 (18 characters)")
    create.add_argument("--industry", required=True, help="GB/T 4754 code, e.g. 36 or 3670")
    create.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 330206")
    create.add_argument("--size", choices=[s.value for s in SizeClass])
    create.add_argument("--industry-type", choices=("discrete", "process"))
    create.add_argument(
        "--accept-invalid-code",
        metavar="REASON",
        help="accept a code that fails the GB 32100 check, recording why",
    )
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", help="list organisations")
    add_database_option(listing)
    listing.add_argument("--synthetic", action="store_true", help="include the synthetic cohort")
    listing.set_defaults(handler=_list)


def _create(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        org = create_organisation(
            OPERATOR, db, name=args.name, credit_code=args.credit_code,
            industry_code=args.industry, region_code=args.region, size_class=args.size,
            industry_type=args.industry_type, accept_invalid_code_reason=args.accept_invalid_code,
        )  # fmt: skip
    except InvalidInput as exc:
        return fail("\n".join(str(p) for p in exc.problems))
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    note = (
        ""
        if org.credit_code_valid
        else f" (check failed; accepted: {org.credit_code_override_reason})"
    )
    print(f"created organisation {org.id}: {org.name} {org.credit_code}{note}")
    return 0


def _list(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        orgs = list_organisations(OPERATOR, db, include_synthetic=args.synthetic)
    finally:
        db.dispose()
    if any(not o.credit_code_valid for o in orgs):
        print(
            "(* credit code fails the GB 32100 check; accepted by an administrator with a reason)"
        )
    for org in orgs:
        where = region_path(org.region_code) if org.region_code in regions() else org.region_code
        flag = " " if org.credit_code_valid else "*"
        print(
            f"{org.id:>4}  {org.credit_code}{flag} C{org.industry_code:<4} {org.size_class or '-':<6} "
            f"{where}  {org.name}"
        )
    return 0
