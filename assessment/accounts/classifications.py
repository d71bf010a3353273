"""Codes that describe a firm: 统一社会信用代码 (GB 32100), GB/T 4754 divisions, GB/T 2260 regions,
industrial size classes. The code lists are data (assessment/codelists/*.yaml) with their evidence labels.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

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


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a well-formed 统一社会信用代码 with a correct check character, or None."""
    if len(code) != 18:
        return f"统一社会信用代码 {code!r} has {len(code)} characters; expected 18"
    if not _CREDIT_CODE_SHAPE.match(code):
        bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
        if bad:
            return (
                f"统一社会信用代码 {code!r} contains {''.join(bad)!r}; only digits and the letters "
                "ABCDEFGHJKLMNPQRTUWXY are used (no I, O, S, V, Z)"
            )
        return (
            f"统一社会信用代码 {code!r}: characters 3–8 must be the digits of an administrative "
            "division code"
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return (
            f"统一社会信用代码 {code!r}: check character is {code[17]!r} but GB 32100 gives "
            f"{expected!r} — a typing error? (an administrator may accept a legal code that fails "
            "the check, with a reason)"
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


def industry_problem(code: str) -> str | None:
    """GB/T 4754 code: a 2-digit division from the list, or a 3-/4-digit group/class below one."""
    if not re.fullmatch(r"\d{2,4}", code):
        return f"industry code {code!r}: expected 2–4 digits of GB/T 4754 (e.g. 36 or 3670)"
    if code[:2] not in divisions():
        return (
            f"industry code {code!r}: division {code[:2]} is not an industrial division "
            f"(expected one of 13–46, see assessment/codelists/industries.yaml)"
        )
    return None


def region_problem(code: str) -> str | None:
    if code not in regions():
        return (
            f"region code {code!r}: not a known GB/T 2260 code (a province, or a Zhejiang city or "
            "county; see assessment/codelists/regions.yaml)"
        )
    return None
