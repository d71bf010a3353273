"""The `zhizao` command line. Each command group lives in `assessment.cli.<group>`.

Exit codes: 0 success, 1 bad input or failed check (with a message naming what was wrong),
2 wrong usage (argparse).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Each top-level command and the module that registers it. Only the module of the command being
# run is imported, so `zhizao score` does not pay for reportlab, SQLAlchemy or openpyxl (and
# batch workers forked from it stay small). A test checks this map against the modules.
COMMANDS = {
    "standards": "assessment.cli.standards",
    "score": "assessment.cli.score",
    "carbon": "assessment.cli.carbon",
    "keys": "assessment.cli.documents",
    "cert": "assessment.cli.documents",
    "report": "assessment.cli.documents",
    "db": "assessment.cli.db",
    "orgs": "assessment.cli.orgs",
    "users": "assessment.cli.users",
    "demo": "assessment.cli.demo",
    "benchmark": "assessment.cli.benchmark",
    "template": "assessment.cli.excel",
    "import": "assessment.cli.excel",
    "export": "assessment.cli.excel",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `command`, only that command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="zhizao",
        description="智造评估 zhizao — smart-manufacturing maturity assessment toolkit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _command_of(argv: list[str]) -> str | None:
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_of(arguments))
    args = parser.parse_args(arguments)
    try:
        return int(args.handler(args))
    except BrokenPipeError:  # e.g. `zhizao standards list | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
