"""The `zhizao` command line. Each command group lives in `assessment.commands.<group>`.

Exit codes: 0 success, 1 bad input or failed check (with a message naming what was wrong),
2 wrong usage (argparse).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Command modules register their sub-commands; adding a group is one line here.
COMMAND_MODULES = (
    "assessment.commands.standards",
    "assessment.commands.score",
    "assessment.commands.carbon",
    "assessment.commands.documents",
    "assessment.commands.db",
    "assessment.commands.orgs",
    "assessment.commands.users",
    "assessment.commands.demo",
    "assessment.commands.benchmark",
    "assessment.commands.excel",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhizao",
        description="智造评估 zhizao — smart-manufacturing maturity assessment toolkit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:  # e.g. `zhizao standards list | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
