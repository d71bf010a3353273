"""Values administrators set for parameters a standard leaves NOT FOUND.

`set_value` records a value with what it rests on (append-only; the newest row of a path is in
force, a withdrawn one has a null value), audited in the same transaction. `current_standard` is
the bundled standard with those values applied (`standards.configure.apply_settings`): new
submissions are created against it, and a draft moved to the current edition picks it up. A stored
submission keeps its own snapshot, so a setting never changes a result already computed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts import audit
from assessment.accounts.access import require_admin
from assessment.accounts.principal import Clock, Principal
from assessment.errors import InvalidInput
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import ConfiguredValue
from standards import Library, Sourced, Standard, bundled_library
from standards.configure import SETTABLE_LABELS, Setting, SettingError, apply_settings
from standards.configure import not_found_values as open_values
from standards.models import Label
from standards.problems import Problem, loc_text

MAX_SOURCE = 2_000


@dataclass(frozen=True)
class Configurable:
    """A NOT FOUND value of a standard, and what an administrator has set for it (if anything)."""

    standard_id: str
    edition: str
    path: str
    sourced: Sourced
    value: float | None
    label: str | None
    source: str | None
    set_at: datetime | None


def _in_force(session: Session, standard_id: str, edition: str) -> dict[str, ConfiguredValue]:
    rows = session.scalars(
        select(ConfiguredValue)
        .where(ConfiguredValue.standard_id == standard_id, ConfiguredValue.edition == edition)
        .order_by(ConfiguredValue.id)
    )
    newest: dict[str, ConfiguredValue] = {}
    for row in rows:
        newest[row.path] = row
    return {path: row for path, row in newest.items() if row.value is not None}


def _settings(rows: dict[str, ConfiguredValue]) -> dict[str, Setting]:
    return {
        path: Setting(path, float(row.value), Label(row.label), row.source, _note(row))
        for path, row in rows.items()
    }


def _note(row: ConfiguredValue) -> str:
    return f"set by an administrator on {row.set_at.date().isoformat()} (zhizao configured value)"


def _standard(library: Library, standard_id: str) -> Standard:
    if (problem := library.unknown_standard(standard_id)) is not None:
        raise InvalidInput(problem)
    return library.standard(standard_id)


def current_standard(
    session: Session, standard_id: str, library: Library | None = None
) -> Standard:
    """The library's standard with the administrators' values in force applied."""
    std = _standard(library or bundled_library(), standard_id)
    rows = _in_force(session, std.id, std.edition)
    try:
        return apply_settings(std, _settings(rows))
    except SettingError as exc:  # a setting made for a path the edition no longer has
        raise InvalidInput(
            Problem(
                (), "configured.stale",
                {"id": std.id, "edition": std.edition, "problem": _at_path(exc.problem)},
            )
        ) from None  # fmt: skip


def _at_path(problem: Problem) -> Problem:
    """A problem of a setting's path, said inside another sentence (which shows no `loc`)."""
    path = loc_text(problem.loc)
    return Problem((), "configured.at_path", {"path": path, "problem": replace(problem, loc=())})


def list_configurable(
    actor: Principal, db: Database, library: Library | None = None
) -> list[Configurable]:
    """Every NOT FOUND number of every standard, with the value in force (administrators)."""
    require_admin(actor, "see the configured values")
    library = library or bundled_library()
    found = []
    with db.read() as session:
        for std in sorted(library.standards.values(), key=lambda s: s.id):
            rows = _in_force(session, std.id, std.edition)
            for path, sourced in open_values(std):
                row = rows.get(path)
                found.append(
                    Configurable(
                        std.id, std.edition, path, sourced,
                        float(row.value) if row else None, row.label if row else None,
                        row.source if row else None, row.set_at if row else None,
                    )
                )  # fmt: skip
    return found


def set_value(
    actor: Principal,
    db: Database,
    *,
    standard_id: str,
    path: str,
    value: float | None,
    label: str,
    source: str,
    library: Library | None = None,
    clock: Clock = utcnow,
) -> None:
    """Set (or, with value None, withdraw) the value of a NOT FOUND parameter (administrators)."""
    require_admin(actor, "set a configured value")
    std = _standard(library or bundled_library(), standard_id)
    problems = []
    if label not in {lab.value for lab in SETTABLE_LABELS}:
        problems.append(
            Problem(
                (), "configured.unknown_label",
                {"given": label, "expected": [lab.value for lab in SETTABLE_LABELS]},
            )
        )  # fmt: skip
    text = source.strip()
    if value is not None and not text:
        problems.append(Problem(("source",), "configured.no_source"))
    if len(text) > MAX_SOURCE:
        problems.append(
            Problem(
                ("source",), "configured.source_too_long", {"max": MAX_SOURCE, "length": len(text)}
            )
        )
    if problems:
        raise InvalidInput(problems)
    now = clock()
    with db.write() as session:
        rows = _in_force(session, std.id, std.edition)
        before = rows.get(path)
        if value is not None:
            candidate = {**_settings(rows), path: Setting(path, value, Label(label), text)}
            try:
                apply_settings(std, candidate)
            except SettingError as exc:
                raise InvalidInput(exc.problem) from None
        elif path not in dict(open_values(std)):
            raise InvalidInput(
                Problem(
                    tuple(path.split(".")), "setting.not_open",
                    {"standard": std.id, "edition": std.edition},
                )
            )  # fmt: skip
        session.add(
            ConfiguredValue(
                standard_id=std.id, edition=std.edition, path=path, value=value,
                label=label, source=text, set_by=actor.user_id, set_at=now,
            )
        )  # fmt: skip
        audit.record(
            session, actor, "configured_value.set" if value is not None else "configured_value.withdraw",
            "standard", std.id, at=now,
            before={"path": path, "value": before.value, "label": before.label} if before else None,
            after={"edition": std.edition, "path": path, "value": value, "label": label,
                   "source": text},
        )  # fmt: skip
