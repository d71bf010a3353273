"""`build_template`: the blank questionnaire of a standard as an Excel workbook (bytes)."""

from __future__ import annotations

from assessment.excel.questions import LANGS
from assessment.excel.writer import build_workbook
from standards import Library, Standard, bundled_library
from standards.problems import Problem, ProblemError


class TemplateError(ProblemError, ValueError):
    """A template that cannot be made as asked (unknown standard, profile or industry type);
    `problem` says which (`str()`: its English)."""


def resolve(
    standard: Standard | str, profile: str | None, industry: str | None, library: Library
) -> tuple[Standard, str | None, str | None]:
    """The standard, and the profile and industry type checked against it."""
    if isinstance(standard, str):
        if (problem := library.unknown_standard(standard)) is not None:
            raise TemplateError(problem)
        standard = library.standard(standard)
    profiles = [p.id for p in standard.profiles]
    if profile is None and len(profiles) == 1:
        profile = profiles[0]
    if profile is not None and profile not in profiles:
        raise TemplateError(
            Problem(
                (), "excel.unknown_profile",
                {"given": profile, "standard": standard.id, "expected": profiles},
            )
        )  # fmt: skip
    kinds = [t.value for t in standard.industry_types]
    if industry is not None and industry not in kinds:
        if not kinds:
            raise TemplateError(
                Problem((), "excel.no_industry_variants", {"standard": standard.id})
            )
        raise TemplateError(
            Problem((), "excel.unknown_industry", {"given": industry, "expected": kinds})
        )
    return standard, profile, industry


def build_template(
    standard: Standard | str,
    profile: str | None = None,
    industry: str | None = None,
    lang: str = "zh",
    *,
    library: Library | None = None,
) -> bytes:
    """The questionnaire for `standard` as .xlsx bytes.

    One sheet per element with one row per item (descriptors, drop-downs of the valid answers,
    evidence notes), sheets for gates, several products, carbon activity data and instructions,
    and a hidden `_zhizao` sheet recording the standard id, edition and SHA-256. `profile` keeps
    the items of that target only; `industry` ('discrete' or 'process') the items of that industry
    type. `lang` ('zh' or 'en') picks the words of the drop-downs and sheet names; every header
    and text stays bilingual, Chinese first.
    """
    if lang not in LANGS:
        raise TemplateError(
            Problem((), "excel.unknown_lang", {"given": lang, "expected": list(LANGS)})
        )
    library = library or bundled_library()
    std, profile, industry = resolve(standard, profile, industry, library)
    return build_workbook(std, library, profile=profile, industry=industry, lang=lang)
