"""What a service call can fail with. Every error carries a message meant for the person acting;
when a service raises, its transaction is rolled back and nothing was stored."""

from __future__ import annotations


class LifecycleError(Exception):
    """Base class: `str(error)` is the message to show."""


class NotFound(LifecycleError):
    """The thing does not exist, or the actor may not see it (the two are not told apart)."""


class PermissionDenied(LifecycleError):
    """The actor may see the thing but not do this to it."""


class InvalidTransition(LifecycleError):
    """The action is not possible in the submission's current state."""


class Conflict(LifecycleError):
    """The change was based on a stale version: someone else saved first. Nothing was written."""


class InvalidInput(LifecycleError):
    """Bad input; `problems` lists every problem found, each naming the field or item."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class EvidenceRejected(InvalidInput):
    """An evidence file that is too large or not of an accepted type (judged from its bytes)."""


class AuthenticationFailed(LifecycleError):
    """Wrong email or password, an inactive account, or a locked one."""
