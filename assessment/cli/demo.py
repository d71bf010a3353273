"""`zhizao demo seed [--if-empty]` — demo firms, one account per role, a synthetic cohort."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from assessment.certificates.issuer import ensure_demo_issuer
from assessment.certificates.keys import KeyProblem
from assessment.cli.db import add_database_option, open_from_args, shown_url
from assessment.cli.output import fail
from assessment.demo.seed import COHORT_SIZE, seed_demo
from assessment.errors import LifecycleError
from assessment.storage.db import data_dir, is_empty


def register(sub: Any) -> None:
    cmd = sub.add_parser("demo", help="demo data")
    actions = cmd.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    seed = actions.add_parser(
        "seed",
        help="fill an empty database with demo firms, accounts and a synthetic cohort",
        description="Demo firms (fictitious, marked 示例) with submissions in every state, one "
        "account per role with printed passwords, and a synthetic peer cohort.",
    )
    add_database_option(seed)
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing (exit 0) when the database has data"
    )
    seed.add_argument("--cohort", type=int, default=COHORT_SIZE, metavar="N")
    seed.add_argument(
        "--accounts-file",
        type=Path,
        help="where to keep the demo passwords too (default: data/demo-accounts.txt)",
    )
    seed.set_defaults(handler=_seed)


def _seed(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    where = shown_url(str(db.engine.url))
    accounts_file: Path = args.accounts_file or data_dir() / "demo-accounts.txt"
    try:
        if not is_empty(db):
            if args.if_empty:
                print(f"{where} has data already; demo seed skipped")
                if accounts_file.exists():
                    print(f"demo accounts, if this is the demo database: {accounts_file}")
                return 0
            return fail(f"{where} is not empty; demo data goes only into an empty database")
        demo_key = ensure_demo_issuer()  # before the approvals, so they issue certificates
        report = seed_demo(db, cohort_size=args.cohort)
    except (LifecycleError, KeyProblem) as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    states = ", ".join(f"{state} {n}" for state, n in report.submissions.items())
    lines = [
        f"demo data in {where}:",
        f"  {report.organisations} demo organisations; submissions: {states}",
        f"  {report.cohort} synthetic cohort firms with approved results (marked synthetic)",
        "",
        "demo accounts (passwords are random; shown here and kept in the accounts file):",
    ]
    for account in report.accounts:
        org = f"  ({account.organisation})" if account.organisation else ""
        lines.append(f"  {account.role:<13} {account.email:<32} {account.password}{org}")
    print("\n".join(lines))
    accounts_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(accounts_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines[-len(report.accounts) - 1 :]) + "\n")
    print(f"\n(accounts saved to {accounts_file})")
    if demo_key is not None:
        print(
            f"\ndemo issuer key: {demo_key[0]} (fingerprint {demo_key[1][:16]}…)\n"
            "  it signs this demo's certificates, marked DEMO; a real key (`zhizao keys init`) "
            "takes precedence"
        )
    return 0
