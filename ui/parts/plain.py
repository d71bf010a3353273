"""Provenance as the pages show it: a sentence in the reader's language for every evidence label,
and the codes with a cleaned source only in a closed expander for evaluators and administrators.

The words are those of assessment/reports/plain.py, which the report and certificate PDFs print
too, so a firm reads the same sentence on the screen and on paper. Every page that shows where a
value comes from calls these helpers rather than printing `label.value` or `provenance.source`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

from assessment.accounts.principal import Principal, Role
from assessment.reports import plain
from standards import Label, Provenance
from ui.parts import auth
from ui.parts.common import lang, md, t

INSIDERS = frozenset({Role.EVALUATOR, Role.ADMINISTRATOR})


def is_insider(actor: Principal | None) -> bool:
    """Evaluators and administrators may open the evidence codes; firms and the public may not."""
    return actor is not None and actor.role in INSIDERS


def viewer() -> Principal | None:
    """Who is looking at a public page (None when signed out)."""
    return auth.current_user()


def label_name(label: Label | str) -> str:
    """A label as a short word in the page's language (for a table cell)."""
    return plain.label_name(label, lang())


def label_sentence(label: Label | str, what: str = "value") -> str:
    """A label as a sentence about `what` (a key of assessment.reports.plain.SUBJECTS or a flag's
    `what`), e.g. INFERRED on the tier rule → 该等级规则尚无官方文本，采用本系统的推定规则。"""
    return plain.label_sentence(label, lang(), what)


def subject_name(what: str) -> str:
    return plain.subject_name(what, lang())


def unofficial_sentences(entries: Sequence[str]) -> list[str]:
    """A certificate's `unofficial` entries ('tier_rule: INFERRED') as sentences."""
    return plain.unofficial_sentences(tuple(entries), lang())


def clause(text: str | None) -> str:
    return plain.clean_clause(text)


def detail_lines(provenance: Provenance) -> list[str]:
    """The evaluator's view of one provenance: code, cleaned source, clause, address, note."""
    lines = [f"- {t('plain.detail.label')}: `{provenance.label.value}`"]
    source = plain.clean_source(provenance.source)
    if source:
        lines.append(f"- {t('plain.detail.source')}: {md(source)}")
    if provenance.clause:
        lines.append(f"- {t('plain.detail.clause')}: {md(plain.clean_source(provenance.clause))}")
    if provenance.url:
        lines.append(f"- {t('plain.detail.url')}: {md(provenance.url)}")
    note = plain.clean_source(provenance.note)
    if note:
        lines.append(f"- {t('plain.detail.note')}: {md(note)}")
    return lines


def provenance(
    prov: Provenance, what: str, *, insider: bool, key: str, extra: Iterable[str] = ()
) -> None:
    """One provenance on a page: its sentence (with a link to a readable copy where there is one)
    and, for evaluators and administrators, the codes in a closed expander."""
    sentence = label_sentence(prov.label, what)
    if prov.url:
        sentence += f" [{t('plain.open_source')}]({prov.url})"
    # A line of text, not an alert: a page shows one warning for all its unofficial encodings.
    st.markdown(("⚠ " if prov.label.is_flagged else "") + sentence)
    if insider:
        with st.expander(t("plain.details"), key=f"plain-{key}"):
            st.markdown("\n".join([*detail_lines(prov), *extra]))


def flag_rows(flags: Iterable[Any]) -> list[dict[str, str]]:
    """A result's unofficial encodings as rows a firm reads: what, and the sentence."""
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for flag in flags:
        sentence = label_sentence(flag.label, flag.what)
        if sentence in seen:
            continue
        seen.add(sentence)
        rows.append(
            {t("plain.col_what"): subject_name(flag.what), t("plain.col_meaning"): sentence}
        )
    return rows
