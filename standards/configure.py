"""Values a standard leaves NOT FOUND, and the standard with configured values put in.

A standard never invents an official number: where the source was not found the value stays null
(`Sourced.value`), sometimes with an encoder's `default`. An administrator who learns the value
(e.g. a new notice's investment floor) sets it without editing the YAML; the setting says what it
rests on. `apply_settings` returns the standard with the settings in place — a new standard with
its own SHA-256, so a submission made against it keeps exactly what it was scored on.

A setting with an OFFICIAL or NEWS label becomes the value itself (the source was read); any other
label becomes the configured `default` and stays flagged as unofficial wherever it is used.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from standards.models import Label, Provenance, Sourced, SourcedDefault, Standard
from standards.problems import Loc, Problem, ProblemError

SETTABLE_LABELS = (
    Label.OFFICIAL,
    Label.NEWS,
    Label.THIRD_PARTY,
    Label.UNVERIFIED,
    Label.INFERRED,
)


@dataclass(frozen=True)
class Setting:
    """A value for the NOT FOUND parameter at `path` (dotted, e.g. 'gates.investment.thresholds.ff.default')."""

    path: str
    value: float
    label: Label
    source: str
    note: str | None = None


class SettingError(ProblemError, ValueError):
    """A setting that cannot be applied: `problem` names the path (its `loc`) and what was expected."""


def _at(path: str) -> Loc:
    """A dotted setting path as a `loc` (`gates.investment.…` reads the same)."""
    return tuple(path.split("."))


def _children(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield name, getattr(value, name)
    elif isinstance(value, list):
        for index, element in enumerate(value):
            key = getattr(element, "id", None)
            yield (str(key) if key is not None else str(index)), element
    elif isinstance(value, dict):
        for key, element in value.items():
            yield str(key), element


def not_found_values(std: Standard) -> list[tuple[str, Sourced]]:
    """Every numeric parameter whose value is NOT FOUND, with its dotted path, in file order.

    Only numbers of the standard as a whole are settable: a policy word (e.g. the not-applicable
    policy) changes how the engine reads a standard and belongs in a reviewed edition of the file,
    and an item's open baseline or leading value is the firm's own sector value, given with its
    answer.
    """
    found: list[tuple[str, Sourced]] = []

    def walk(value: Any, path: tuple[str, ...]) -> None:
        if isinstance(value, Sourced):
            default = value.default.value if value.default is not None else None
            numeric = value.unit is not None or (
                isinstance(default, int | float) and not isinstance(default, bool)
            )
            if value.value is None and value.provenance.label is Label.NOT_FOUND and numeric:
                found.append((".".join(path), value))
            return
        for key, child in _children(value):
            walk(child, (*path, key))

    for key, child in _children(std):
        if key != "items":
            walk(child, (key,))
    return found


def _replace(value: Any, path: list[str], new: Sourced, where: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, BaseModel):
        if head not in type(value).model_fields:
            raise SettingError(Problem(_at(where), "setting.no_field", {"name": head}))
        child = getattr(value, head)
        return value.model_copy(update={head: _replace(child, rest, new, where)})
    if isinstance(value, list):
        for index, element in enumerate(value):
            key = getattr(element, "id", None)
            if (str(key) if key is not None else str(index)) == head:
                return [*value[:index], _replace(element, rest, new, where), *value[index + 1 :]]
        raise SettingError(Problem(_at(where), "setting.no_element", {"name": head}))
    if isinstance(value, dict):
        for key in value:
            if str(key) == head:
                return {**value, key: _replace(value[key], rest, new, where)}
        raise SettingError(Problem(_at(where), "setting.no_key", {"name": head}))
    raise SettingError(Problem(_at(where), "setting.below_a_value", {"name": head}))


def _with_setting(current: Sourced, setting: Setting) -> Sourced:
    if not math.isfinite(setting.value) or setting.value < 0:
        raise SettingError(
            Problem(_at(setting.path), "setting.not_a_number", {"value": setting.value})
        )
    if not setting.source.strip():
        raise SettingError(Problem(_at(setting.path), "setting.no_source"))
    provenance = Provenance(
        label=setting.label, source=setting.source.strip(), note=setting.note or None
    )
    number = float(setting.value)
    value: float | int = int(number) if number.is_integer() else number
    if setting.label in (Label.OFFICIAL, Label.NEWS):
        return current.model_copy(update={"value": value, "provenance": provenance})
    return current.model_copy(
        update={"default": SourcedDefault(value=value, provenance=provenance)}
    )


def apply_settings(std: Standard, settings: Mapping[str, Setting]) -> Standard:
    """The standard with each setting at its path. Raises SettingError naming a bad path/value.

    Settings only fill NOT FOUND values (`not_found_values`); the result is validated again so a
    setting can never make the document invalid.
    """
    if not settings:
        return std
    open_values = dict(not_found_values(std))
    data: Any = std
    for path, setting in sorted(settings.items()):
        current = open_values.get(path)
        if current is None:
            raise SettingError(
                Problem(_at(path), "setting.not_open", {"standard": std.id, "edition": std.edition})
            )
        data = _replace(data, path.split("."), _with_setting(current, setting), path)
    return Standard.model_validate(data.model_dump(mode="json", by_alias=True))
