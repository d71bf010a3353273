"""Provenance in plain words, in Chinese and English: one sentence per evidence label, the names of
the things a label is attached to, and sources without workspace paths or commits.

The library's provenance fields are written for the people who encode it (`source` names
research notes such as `shared/reference/green-factory.md §1.7` or a repository commit). A firm,
the public and a printed report get a sentence in the reader's language instead; evaluators and
administrators may open the codes and a cleaned source. The pages (ui/parts/plain.py), the report
and the certificate all read these tables, so every screen and PDF uses the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assessment.certificates.record import DEMO_FLAG
from standards import Label


@dataclass(frozen=True)
class Words:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


# A short name for each label, where a table has room for a word and not a sentence.
LABEL_NAMES: dict[Label, Words] = {
    Label.OFFICIAL: Words("官方原文", "official text"),
    Label.NEWS: Words("新闻报道", "news reports"),
    Label.THIRD_PARTY: Words("第三方资料", "third-party material"),
    Label.UNVERIFIED: Words("未经核实", "not verified"),
    Label.INFERRED: Words("本系统推定", "inferred by zhizao"),
    Label.NOT_FOUND: Words("尚未找到", "not found yet"),
}

# One sentence per label. {what} is the subject ("该等级规则"), {thing} what zhizao puts in its
# place ("规则"); both come from SUBJECTS so the sentence reads naturally for each kind of value.
LABEL_SENTENCES: dict[Label, Words] = {
    Label.OFFICIAL: Words(
        "{what}依据官方发布的原文。", "{what} follows the officially published text."
    ),
    Label.NEWS: Words(
        "{what}依据新闻媒体对官方文件的报道，尚未与官方原文核对。",
        "{what} follows news reports of the official document; not yet checked against the "
        "official text.",
    ),
    Label.THIRD_PARTY: Words(
        "{what}依据第三方整理的资料，并非官方文本，仅供参考。",
        "{what} follows material compiled by third parties, not an official text; for reference "
        "only.",
    ),
    Label.UNVERIFIED: Words(
        "{what}尚未找到可以核实的来源，仅供参考。",
        "{what} could not be checked against any source yet; for reference only.",
    ),
    Label.INFERRED: Words(
        "{what}尚无官方文本，采用本系统的推定{thing}。",
        "{what} has no official text yet; zhizao's inferred {thing} is used.",
    ),
    Label.NOT_FOUND: Words(
        "{what}在现有资料中尚未找到，待官方文本公布后确定。",
        "{what} was not found in the available sources; it stays open until the official text "
        "is published.",
    ),
}


@dataclass(frozen=True)
class Subject:
    what: Words
    thing: Words


def _subject(what_zh: str, what_en: str, thing_zh: str, thing_en: str) -> Subject:
    return Subject(Words(what_zh, what_en), Words(thing_zh, thing_en))


# The things a label is attached to. Keys are the `what` of a result's flags (scoring/plan.py,
# scoring/engine.py) and the kinds of value the library page shows.
SUBJECTS: dict[str, Subject] = {
    "standard": _subject("该标准的编码", "This standard's encoding", "编码", "encoding"),
    "items": _subject("题目及分值", "The item list with its points", "内容", "content"),
    "item provenance": _subject("部分题目", "Part of the item list", "内容", "content"),
    "item": _subject("本题", "This item", "内容", "content"),
    "tier_rule": _subject("该等级规则", "The tier rule", "规则", "rule"),
    "tier_rule.mandatory_share": _subject(
        "必选项达标比例", "The required share of mandatory items", "比例", "share"
    ),
    "tier_rule.min_percent": _subject(
        "等级的最低得分率", "The minimum percentage of a tier", "得分率", "percentage"
    ),
    "tier_rule.pass_threshold": _subject("达标分数线", "The pass mark", "分数线", "pass mark"),
    "tier_rule.final_score": _subject(
        "最终得分的算法", "The final-score rule", "算法", "rule"
    ),
    "scoring.not_applicable": _subject(
        "不适用题的计分方式", "The scoring of not-applicable items", "计分方式", "rule"
    ),
    "scoring.node_weights": _subject("各领域的权重", "The weighting of the domains", "权重", "weights"),
    "derived values": _subject(
        "推算的数值", "Computed values", "推算", "computation",
    ),
    "parameter": _subject("该参数", "This parameter", "取值", "value"),
    "gate": _subject("该准入条件", "This condition", "条件", "condition"),
    "scale": _subject("该评分量表", "This scale", "量表", "scale"),
    "factor": _subject("该排放因子", "This factor", "因子", "factor"),
    "carbon_method": _subject(
        "碳效码的评价方法", "The carbon-efficiency method", "方法", "method"
    ),
    "value": _subject("该数值", "This value", "数值", "value"),
}  # fmt: skip
GENERIC = _subject("部分编码", "Part of the encoding", "内容", "content")

# Sentences that say more than the label's own for one subject.
SPECIAL: dict[tuple[str, Label], Words] = {
    ("derived values", Label.INFERRED): Words(
        "部分数值由企业填报的能耗数据推算（碳核算），并非企业直接填报。",
        "Some values were computed from the firm's energy data (carbon accounting), not entered "
        "directly.",
    ),
}


def as_label(label: Label | str) -> Label | None:
    try:
        return Label(str(label).strip())
    except ValueError:
        return None


def subject_of(what: str) -> Subject:
    """The subject of a flag or a value. Parameters of a standard (`parameters.X`) read as
    'this parameter'."""
    if what in SUBJECTS:
        return SUBJECTS[what]
    if what.startswith("parameters."):
        return SUBJECTS["parameter"]
    return GENERIC


def label_name(label: Label | str, lang: str) -> str:
    found = as_label(label)
    return LABEL_NAMES[found].get(lang) if found else str(label)


def label_sentence(label: Label | str, lang: str, what: str = "value") -> str:
    """The sentence for a label attached to `what` (a key of SUBJECTS or a flag's `what`)."""
    found = as_label(label)
    if found is None:
        return str(label)
    special = SPECIAL.get((what, found))
    if special is not None:
        return special.get(lang)
    subject = subject_of(what)
    return (
        LABEL_SENTENCES[found]
        .get(lang)
        .format(what=subject.what.get(lang), thing=subject.thing.get(lang))
    )


def subject_name(what: str, lang: str) -> str:
    return subject_of(what).what.get(lang)


def split_unofficial(entry: str) -> tuple[str, str]:
    """A certificate's `unofficial` entry ('tier_rule: INFERRED') as (what, label)."""
    what, _, label = str(entry).rpartition(":")
    return (what.strip(), label.strip()) if what else ("", label.strip())


DEMO_SENTENCE = Words(
    zh="由演示系统的演示签发密钥签署：不是任何真实签发机构的证书。",
    en="Signed with the demo issuer key of a demonstration installation: not a certificate of "
    "any real issuer.",
)


def unofficial_sentences(entries: list[str] | tuple[str, ...], lang: str) -> list[str]:
    """The sentences for a certificate's or a result's unofficial encodings, without repeats."""
    out: list[str] = []
    for entry in entries:
        if entry == DEMO_FLAG:
            out.append(DEMO_SENTENCE.get(lang))
            continue
        what, label = split_unofficial(entry)
        sentence = label_sentence(label, lang, what)
        if sentence not in out:
            out.append(sentence)
    return out


# --- sources without workspace paths or commits --------------------------------------------------

_EXT = r"(?:md|csv|xlsx|xls|yaml|yml|json|py|txt)"
# A file of the workspace or a repository, with its section (§1.8 item 2, §4–§5, §1.7 and §2).
_FILE = (
    r"(?:[\w.\-]+/)*[\w.\-\u4e00-\u9fff]+\." + _EXT + r"\b"
    r"(?:\s*§\s*[\w.]+(?:\s*(?:–|-|and|,)\s*§\s*[\w.]+)*)?(?:\s+item\s+\d+)?"
)
_SHARED = r"shared/[^\s,;)）]*"
_COMMIT = r"(?:zhizao\s+)?(?:\bcommit\s+|@\s*)[0-9a-f]{7,40}\b"
_ANY = f"(?:{_FILE}|{_SHARED}|{_COMMIT})"
_PARENTHESIS = re.compile(r"\s*[(（][^()（）]*?" + _ANY + r"[^()（）]*[)）]")
_LEAD_IN = re.compile(
    r"(?:[,;，；]\s*)?(?:\b(?:see|as quoted in|parsed into|quoted in|of|in)\s+)?" + _ANY,
    re.IGNORECASE,
)
_CODES = "|".join(re.escape(label.value) for label in Label)
_CODE_PARENTHESIS = re.compile(r"\s*[(（][^()（）]*?(?:" + _CODES + r")[^()（）]*[)）]")


def clean_source(text: str | None) -> str:
    """A provenance source or note without workspace paths, repository files or commits.

    `third-party GitHub green-factory apps (shared/reference/green-factory.md §1.7)` becomes
    `third-party GitHub green-factory apps`; what remains names the document or the kind of
    material, which is what an evaluator can look up."""
    if not text:
        return ""
    out = _PARENTHESIS.sub("", text)
    out = _LEAD_IN.sub("", out)
    out = re.sub(r"\s*[,;，；]\s*(?=[,;，；]|$)", "", out)  # separators left before nothing
    out = re.sub(r"\(\s*\)|（\s*）", "", out)
    out = re.sub(r"\s+([,;，；])", r"\1", out)
    out = re.sub(r"\s{2,}", " ", out).strip(" ,;，；")
    return out


def clean_clause(text: str | None) -> str:
    """A clause as a reader sees it: without workspace paths and without the encoders' remarks
    in brackets that carry an evidence code (`基本要求 (GB/T 36132-2018 text NOT FOUND)` →
    `基本要求`)."""
    return _CODE_PARENTHESIS.sub("", clean_source(text)).strip()
