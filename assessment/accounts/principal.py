"""Who acts: a `Principal` (an account's id, role and organisation) and the roles.

Everything in assessment/ sees only a Principal, never an account row; it is made by
`identity.authenticate` / `principal_for` (or `Principal.system` for the local operator). No
imports of the project: every room may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

Clock = Callable[[], datetime]


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    EVALUATOR = "evaluator"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Principal:
    """Who is acting. `org_id` is set for enterprise members only.

    `credential_version` is the account's credential version when the Principal was read (None for
    the local operator); it is not part of who is acting, so it takes no part in comparisons.
    """

    user_id: int | None
    role: Role
    org_id: int | None
    name: str
    credential_version: int | None = field(default=None, compare=False)

    @classmethod
    def system(cls, name: str) -> Principal:
        """The local operator (command line, seeding): an administrator without an account."""
        return cls(None, Role.ADMINISTRATOR, None, f"system:{name}")

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMINISTRATOR
