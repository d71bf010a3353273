"""What a service call can fail with. Every error carries `problems` — `standards.problems.Problem`
values, each a place, a code and its values — which a page renders in its reader's language
(`error.text("zh")`) and the command line prints in English (`str(error)`). When a service raises,
its transaction is rolled back and nothing was stored."""

from __future__ import annotations

from collections.abc import Sequence

from standards.problems import Problem, ProblemsError


class LifecycleError(ProblemsError):
    """Base class: `problems` says what went wrong; `str(error)` is their English text."""

    def __init__(self, problems: Problem | Sequence[Problem]) -> None:
        given = [problems] if isinstance(problems, Problem) else list(problems)
        for problem in given:
            if not isinstance(problem, Problem):  # a sentence would reach the page untranslated
                raise TypeError(f"{type(self).__name__} takes Problem values, not {problem!r}")
        super().__init__(given)


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


class EvidenceRejected(InvalidInput):
    """An evidence file that is too large or not of an accepted type (judged from its bytes)."""


class AuthenticationFailed(LifecycleError):
    """Wrong email or password, an inactive account, or a locked one."""
