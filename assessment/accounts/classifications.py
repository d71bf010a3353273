"""Codes that describe a firm: 统一社会信用代码 (GB 32100), GB/T 4754 divisions, GB/T 2260 regions,
industrial size classes. The code lists are data (assessment/accounts/codelists/*.yaml) with their evidence labels.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from standards.problems import Problem

DATA_DIR = Path(__file__).resolve().parent / "codelists"

# GB 32100-2015: 31 symbols (no I, O, S, V, Z); a symbol's value is its position.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code."""
    total = sum(
        CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


CHECK_CHARACTER = "accounts.credit_code_check"  # the one problem an override reason may accept


def credit_code_problem(code: str) -> Problem | None:
    """Why `code` is not a well-formed 统一社会信用代码 with a correct check character, or None.

    Only a wrong check character (`accounts.credit_code_check`) may be accepted by an administrator
    with a reason; every other problem means the code is malformed."""
    if len(code) != 18:
        return Problem((), "accounts.credit_code_length", {"code": code, "length": len(code)})
    if not _CREDIT_CODE_SHAPE.match(code):
        bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
        if bad:
            return Problem(
                (), "accounts.credit_code_characters", {"code": code, "bad": "".join(bad)}
            )
        return Problem((), "accounts.credit_code_division", {"code": code})
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return Problem(
            (),
            "accounts.credit_code_check",
            {"code": code, "given": code[17], "expected": expected},
        )
    return None


def normalise_credit_code(code: str) -> str:
    return code.strip().upper()


class SizeClass(StrEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


SIZE_NAMES = {
    SizeClass.LARGE: "大型",
    SizeClass.MEDIUM: "中型",
    SizeClass.SMALL: "小型",
    SizeClass.MICRO: "微型",
}


def size_class(employees: int, revenue_wan: float) -> SizeClass:
    """Industrial size class from employees and annual revenue in 万元.

    The thresholds (统计上大中小微型企业划分办法（2017）, industry row) live with their provenance in
    standards/library/classifications.yaml: a firm is in the first class whose bounds it all meets.
    """
    from standards import bundled_library  # noqa: PLC0415 - the library loads on first use

    library = bundled_library().classifications
    if library is None:
        raise RuntimeError("the bundled library has no classifications document")
    for cls in library.size_rule("industry").classes:
        if cls.min_employees is None or cls.min_revenue is None:
            return SizeClass(cls.key)
        if employees >= cls.min_employees and revenue_wan >= cls.min_revenue:
            return SizeClass(cls.key)
    return SizeClass.MICRO


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province | city | county
    parent: str | None
    label: str


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    default_type: str
    label: str


def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{DATA_DIR / name}: expected a mapping")
    return data


@functools.cache
def regions() -> dict[str, Region]:
    """Every known region by GB/T 2260 code (provinces; Zhejiang's cities and counties)."""
    data = _load("regions.yaml")
    label = str(data["label"])
    found: dict[str, Region] = {}
    for code, name in data["provinces"].items():
        found[str(code)] = Region(str(code), str(name), "province", None, label)
    for city_code, city in data["zhejiang"].items():
        found[str(city_code)] = Region(str(city_code), str(city["name"]), "city", "330000", label)
        for county_code, county in city["counties"].items():
            found[str(county_code)] = Region(
                str(county_code), str(county), "county", str(city_code), label
            )
    return found


def region_path(code: str) -> str:
    """'浙江省 宁波市 北仑区' for a county code."""
    parts: list[str] = []
    here: str | None = code
    while here is not None:
        region = regions()[here]
        parts.append(region.name)
        here = region.parent
    return " ".join(reversed(parts))


@functools.cache
def divisions() -> dict[str, Division]:
    data = _load("industries.yaml")
    label = str(data["label"])
    return {
        str(code): Division(str(code), str(d["name"]), str(d["default_type"]), label)
        for code, d in data["divisions"].items()
    }


def industry_problem(code: str) -> Problem | None:
    """GB/T 4754 code: a 2-digit division from the list, or a 3-/4-digit group/class below one."""
    if not re.fullmatch(r"\d{2,4}", code):
        return Problem((), "accounts.industry_code_shape", {"code": code})
    if code[:2] not in divisions():
        return Problem((), "accounts.industry_not_industrial", {"code": code, "division": code[:2]})
    return None


def region_problem(code: str) -> Problem | None:
    if code not in regions():
        return Problem((), "accounts.region_unknown", {"code": code})
    return None
