"""Pydantic models of the criteria library.

The models are the documentation of the YAML format: every field carries a description that editors
show on hover through the exported JSON Schema (`zhizao standards schema`). Structural checks live
here; checks that span the whole document (references, sums, monotone ladders, provenance) live in
`standards.checks` so that all of them can be reported together, each with its YAML line.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from standards.canonical import sha256_of

SCHEMA_VERSION = 1

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        max_length=64,
        description="Stable identifier: letters, digits, '.', '_' and '-'. Quote it in YAML.",
    ),
]


class Strict(BaseModel):
    # NaN and infinities are refused wherever a number is read, also when spelt as text ("NaN").
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


# Fields added after the first release are left out of a dump while unset, so the canonical JSON
# (and the SHA-256 in every stored snapshot, receipt and certificate) of a file that does not use
# them stays what it was. Every new optional field takes one of these.
def is_unset(value: object) -> bool:
    return value is None or value in ({}, [])


class Text(Strict):
    """A text in Chinese (primary) and English. Both are required."""

    zh: str = Field(min_length=1, description="Chinese text (shown by default).")
    en: str = Field(min_length=1, description="English text.")

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Label(StrEnum):
    """Evidence labels, defined in the reference README; the weakest label wins when combined."""

    OFFICIAL = "OFFICIAL"
    NEWS = "NEWS"
    THIRD_PARTY = "THIRD-PARTY"
    UNVERIFIED = "UNVERIFIED"
    INFERRED = "INFERRED"
    NOT_FOUND = "NOT FOUND"

    @property
    def is_flagged(self) -> bool:
        """Values with these labels must be shown as unofficial wherever they affect a result."""
        return self not in (Label.OFFICIAL, Label.NEWS)


class Provenance(Strict):
    """Where a value comes from. Every number taken from a standard carries one."""

    label: Label = Field(
        description="Evidence label: OFFICIAL, NEWS, THIRD-PARTY, UNVERIFIED, INFERRED or NOT FOUND."
    )
    source: str = Field(min_length=1, description="Document number, URL or repository + path.")
    clause: str | None = Field(
        default=None, description="Clause or section of the source, where known."
    )
    url: str | None = Field(
        default=None, description="Address of a readable copy, where there is one."
    )
    note: str | None = Field(
        default=None, description="Reasoning (required in spirit for INFERRED values)."
    )


Scalar = float | int | str | bool


class Sourced(Strict):
    """A parameter of a standard: its value (null when NOT FOUND) and where it comes from.

    A NOT FOUND or UNVERIFIED value is never silently used: when `value` is null the scoring engine
    uses `default`, which must carry its own provenance (usually INFERRED), and flags the result.
    """

    value: Scalar | None = Field(
        description="The value as found in the source; null when NOT FOUND."
    )
    unit: str | None = Field(
        default=None, description="Unit of the value, from the units registry."
    )
    provenance: Provenance
    default: SourcedDefault | None = Field(
        default=None, description="Configured value used while `value` is null (NOT FOUND)."
    )
    explanation: Text | None = Field(
        default=None,
        exclude_if=is_unset,
        description="Plain words for firms: what the value means, or why it stays pending (待定) "
        "while it is NOT FOUND and who can set it.",
    )

    @property
    def effective(self) -> Scalar | None:
        if self.value is not None:
            return self.value
        return self.default.value if self.default is not None else None

    @property
    def effective_provenance(self) -> Provenance:
        if self.value is None and self.default is not None:
            return self.default.provenance
        return self.provenance

    @property
    def flagged(self) -> bool:
        return self.effective_provenance.label.is_flagged or self.provenance.label.is_flagged


class SourcedDefault(Strict):
    value: Scalar
    provenance: Provenance


Sourced.model_rebuild()


# --- structure -------------------------------------------------------------------------------


class NodeLevel(StrEnum):
    ELEMENT = "element"
    DOMAIN = "domain"
    SUBDOMAIN = "subdomain"


class Node(Strict):
    """An element, domain or sub-domain: a group of items. Items hang from the lowest nodes."""

    id: Identifier
    level: NodeLevel
    parent: Identifier | None = Field(
        default=None, description="Id of the parent node; null for elements."
    )
    number: str | None = Field(default=None, description="Numbering as printed in the source.")
    name: Text
    weight: Sourced | None = Field(
        default=None, description="Weight of this node where the standard weights nodes."
    )


class Tier(Strict):
    """A named target inside a standard, ordered by `rank` (1 = lowest)."""

    id: Identifier
    rank: int = Field(ge=0, description="Order of the tier; a higher rank is a higher tier.")
    name: Text
    description: Text | None = None


class Applicability(StrEnum):
    MANDATORY = "mandatory"
    OPTIONAL = "optional"
    NOT_APPLICABLE = "not_applicable"


class IndustryType(StrEnum):
    DISCRETE = "discrete"
    PROCESS = "process"


class ThresholdOp(StrEnum):
    """How a threshold compares: the comparators the criteria use."""

    AT_LEAST = ">="  # 不少于 / 及以上
    MORE_THAN = ">"  # 超过
    EXACTLY = "="
    BETWEEN = "between"  # value … upper, both included
    TOP = "top"  # a rank within the first `value` (前10)
    WITHIN_LAST = "within_last"  # a period: the last `value` units (近5年)


class Threshold(Strict):
    """One numeric criterion an option states: what is counted, the comparator, the number, the unit.

    The option's text states it in words as well; the structured form lets the questionnaire show a
    checklist and the evaluator see what evidence would prove it.
    """

    what: Text = Field(description="What is counted or measured, e.g. 新一代信息技术.")
    op: ThresholdOp = Field(description="Comparator: >=, >, =, between, top, within_last.")
    value: float = Field(
        description="The number the criterion states (the lower bound for between)."
    )
    upper: float | None = Field(
        default=None, exclude_if=is_unset, description="between: the upper bound (included)."
    )
    unit: Text | None = Field(
        default=None, exclude_if=is_unset, description="Unit as written, e.g. 种 / kinds, % / %."
    )
    evidence: Text | None = Field(
        default=None,
        exclude_if=is_unset,
        description="What an evaluator would look at to confirm the threshold.",
    )

    def describe(self, lang: str) -> str:
        """The criterion in words, e.g. '新一代信息技术 ≥ 4 种' or 'top 10 by domestic market share'."""
        unit = self.unit.get(lang) if self.unit else ""
        zh = lang != "en"
        value, upper = f"{self.value:g}", f"{self.upper:g}" if self.upper is not None else ""
        spaced = unit if zh or unit == "%" else f" {unit}" if unit else ""
        what = self.what.get(lang)
        match self.op:
            case ThresholdOp.AT_LEAST:
                return f"{what} ≥ {value}{spaced}"
            case ThresholdOp.MORE_THAN:
                return f"{what} > {value}{spaced}"
            case ThresholdOp.EXACTLY:
                return f"{what} = {value}{spaced}"
            case ThresholdOp.BETWEEN:
                return f"{what} {value}–{upper}{spaced}"
            case ThresholdOp.TOP:
                return f"{what}前{value}" if zh else f"top {value} by {what}"
            case ThresholdOp.WITHIN_LAST:
                return f"{what}：近{value}{unit}" if zh else f"{what}: the last {value}{spaced}"
        raise AssertionError(self.op)  # pragma: no cover - the enum is exhaustive


class Option(Strict):
    key: Annotated[
        str, Field(pattern=r"^[A-Za-z0-9_\-]{1,16}$", description="Answer key, e.g. 'A'.")
    ]
    points: float = Field(ge=0, description="Points earned by this option.")
    tier: Identifier | None = Field(
        default=None, description="Highest tier this option satisfies (达标等级); null for none."
    )
    text: Text = Field(description="What must be true of the factory for this option.")
    text_by_industry: dict[IndustryType, Text] = Field(
        default_factory=dict,
        exclude_if=is_unset,
        description="Where the source words an option differently for discrete and process "
        "plants: the text each industry type reads (see `text_for`). `text` then holds both.",
    )
    builds_on: str | None = Field(
        default=None,
        exclude_if=is_unset,
        description="Key of the lower option this one builds on (在C的基础上): the ladder is "
        "cumulative, so this option's criteria come on top of that option's.",
    )
    thresholds: list[Threshold] = Field(
        default_factory=list,
        exclude_if=is_unset,
        description="Every numeric criterion the option states.",
    )
    provenance: Provenance | None = Field(
        default=None,
        exclude_if=is_unset,
        description="Source of this option's criteria; falls back to the item's.",
    )
    note: str | None = Field(
        default=None,
        exclude_if=is_unset,
        description="Encoder's note on an odd source row (kept as the source states it).",
    )

    def text_for(self, industry: IndustryType | str | None) -> Text:
        """The descriptor a firm of this industry type reads (the general text when unknown)."""
        if industry is None or not self.text_by_industry:
            return self.text
        return self.text_by_industry.get(IndustryType(industry), self.text)


class ChoiceRule(Strict):
    """Single choice on an ordered ladder (A, B, C …); points must not decrease along the ladder."""

    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2)


class MultiRule(Strict):
    """Tick every option that applies; points add up, capped at `cap`.

    An option listed in `exclusive` ('none of the above') cannot be ticked with any other option.
    """

    kind: Literal["multi"]
    options: list[Option] = Field(min_length=2)
    cap: float = Field(gt=0)
    exclusive: list[str] = Field(default_factory=list)


class YesNoRule(Strict):
    kind: Literal["yes_no"]
    points: float = Field(gt=0, description="Points earned by 'yes'; 'no' earns 0.")
    tier: Identifier | None = None


class Direction(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class QuantityRule(Strict):
    """Baseline → leading: 0 points at or worse than the baseline, full points at or better than the
    leading value, linear in between (clamped). For `negative` indicators smaller is better.

    `baseline` / `leading` may be null: then each answer must supply its own (sector values). With
    `weighted: true` an answer may give several products, each with a weight (e.g. its tce), and the
    item scores the weighted mean of the per-product ratios.
    """

    kind: Literal["quantity"]
    direction: Direction
    unit: str
    points: float = Field(gt=0)
    baseline: Sourced | None = None
    leading: Sourced | None = None
    minimum: float | None = Field(default=None, description="Smallest physically possible value.")
    maximum: float | None = Field(default=None, description="Largest physically possible value.")
    weighted: bool = Field(default=False, description="Answers may weight several products.")
    derived_from: str | None = Field(
        default=None,
        description="Name of a carbon-accounting figure that supplies the value (see docs/carbon.md).",
    )


class SatisfactionRule(Strict):
    """A requirement statement graded on a shared satisfaction scale (e.g. 全部满足 … 不满足)."""

    kind: Literal["satisfaction"]
    scale: Identifier = Field(description="Id of a scale in a `scales` document.")


Rule = Annotated[
    ChoiceRule | MultiRule | YesNoRule | QuantityRule | SatisfactionRule,
    Field(discriminator="kind"),
]


class Item(Strict):
    """A leaf that receives an answer."""

    id: Identifier
    node: Identifier = Field(description="Id of the (lowest-level) node this item belongs to.")
    number: str | None = Field(default=None, description="Numbering as printed in the source.")
    title: Text
    help: Text | None = Field(
        default=None, description="What the item asks and which evidence is usual."
    )
    industry: IndustryType | None = Field(
        default=None, description="Only for this industry type; null = applies to every firm."
    )
    variant_of: Identifier | None = Field(
        default=None, description="Groups the discrete / process variants of one question."
    )
    level: int | None = Field(
        default=None, ge=1, le=9, description="Maturity level (maturity standards)."
    )
    applicability: dict[str, Applicability] = Field(
        default_factory=dict,
        description="Per profile id: mandatory / optional / not_applicable. A profile not listed "
        "uses the standard's `default_applicability`.",
    )
    rule: Rule
    text_by_industry: dict[IndustryType, Text] = Field(
        default_factory=dict, description="Industry-specific wording of the title."
    )
    evidence: list[Text] = Field(default_factory=list, description="Evidence an evaluator expects.")
    effort: int | None = Field(
        default=None, ge=1, le=5, description="Relative effort of one step up (1 small … 5 large)."
    )
    provenance: Provenance | None = Field(
        default=None,
        description="Source of this item; falls back to the standard's `item_provenance`.",
    )


class Profile(Strict):
    """A target inside a standard (数字化车间, 智能工厂, 未来工厂 …) that selects applicable items."""

    id: Identifier
    tier: Identifier | None = Field(default=None, description="Tier this profile aims at.")
    name: Text


class Condition(Strict):
    item: Identifier
    options: list[str] = Field(alias="in", min_length=1)

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class Dependency(Strict):
    """If item `when.item` is answered with one of `when.in`, item `then.item` must be one of `then.in`."""

    id: Identifier
    when: Condition
    then: Condition
    provenance: Provenance


class GateKind(StrEnum):
    DECLARATION = "declaration"  # the firm affirms a condition (yes / no)
    MIN_VALUE = "min_value"  # a number at or above a threshold per profile (and variant)
    RESULT_MIN = "result_min"  # another standard's result reaches a minimum (e.g. CMMM level)


class Gate(Strict):
    """An eligibility or veto condition, evaluated apart from points."""

    id: Identifier
    kind: GateKind
    title: Text
    question: Text | None = None
    clause: str = Field(min_length=1, description="Clause or document that sets the gate.")
    profiles: list[Identifier] = Field(
        default_factory=list, description="Profiles the gate applies to; empty = every profile."
    )
    veto: bool = Field(default=True, description="Failing the gate makes the firm ineligible.")
    unit: str | None = None
    thresholds: dict[str, dict[str, Sourced]] = Field(
        default_factory=dict,
        description="min_value: profile id → variant ('default', 'mountain_island' …) → threshold.",
    )
    variants: dict[str, Text] = Field(
        default_factory=dict, description="Names of threshold variants."
    )
    standard: Identifier | None = Field(default=None, description="result_min: the other standard.")
    metric: Literal["level", "maturity_score", "tier_rank", "percent"] | None = None
    minimum: Sourced | None = Field(default=None, description="result_min: the minimum value.")
    provenance: Provenance


class TierRuleKind(StrEnum):
    ITEM_SHARE = "item_share"  # share of mandatory items whose option meets the tier
    MATURITY = "maturity"  # CMMM: level n passes when its score ≥ threshold and lower levels pass
    TOTAL_BANDS = "total_bands"  # a total score maps to a tier by bands
    GATES_ONLY = "gates_only"  # a tier is reached when its gates pass (MIIT tiers)


class TierRule(Strict):
    """How tiers or levels are attained. Each parameter is sourced and may be NOT FOUND."""

    kind: TierRuleKind
    mandatory_share: Sourced | None = Field(
        default=None,
        description="item_share: share (0–1) of the tier's mandatory items at the tier.",
    )
    min_percent: Sourced | None = Field(
        default=None, description="item_share: minimum score rate (0–100) of the tier's profile."
    )
    pass_threshold: Sourced | None = Field(
        default=None, description="maturity: weighted level score needed to pass a level (0–1)."
    )
    final_score: Sourced | None = Field(
        default=None, description="maturity: 'level_plus_next' = n + score of level n+1."
    )
    bands: list[Band] = Field(default_factory=list, description="total_bands: lower bounds.")
    score_bands: list[ScoreBand] = Field(
        default_factory=list,
        exclude_if=is_unset,
        description="maturity: the final-score band of each level as a source states it "
        "(e.g. 三级 2.8–3.8). A cross-check of the pass rule and the final score, not a rule: "
        "the level comes from the pass rule, and the tests hold the two to agree.",
    )
    score_bands_provenance: Provenance | None = Field(default=None, exclude_if=is_unset)
    provenance: Provenance


class Band(Strict):
    tier: Identifier
    min_percent: Sourced


class ScoreBand(Strict):
    """Level `level` covers final scores from `low` (included) to `high` (excluded; the top band
    includes its upper bound)."""

    level: int = Field(ge=1, le=9)
    low: float = Field(ge=0)
    high: float = Field(gt=0)

    def holds(self, score: float, *, top: bool = False) -> bool:
        return self.low <= score < self.high or (top and score == self.high)


TierRule.model_rebuild()


class NotApplicablePolicy(StrEnum):
    RENORMALISE = "renormalise"  # drop the item from max_total; percent stays comparable
    ZERO = "zero"  # the item counts 0 of its points
    FORBIDDEN = "forbidden"  # not-applicable answers are rejected


class Scoring(Strict):
    method: Literal["points", "maturity"] = Field(
        description="points: sum of item points; maturity: level scores from satisfaction grades."
    )
    tier_rule: TierRule | None = None
    not_applicable: Sourced = Field(
        description="Policy for answers declared not applicable: renormalise, zero or forbidden."
    )
    node_weights: Sourced | None = Field(
        default=None,
        description="maturity: 'equal' or 'declared' (node weights). Official weights may be NOT FOUND.",
    )
    max_total: float | None = Field(default=None, description="Declared maximum total, checked.")


class Document(Strict):
    """An official document the standard rests on."""

    id: Identifier
    number: str | None = None
    title: Text
    issuer: str | None = None
    issued: str | None = None
    effective: str | None = None
    provenance: Provenance


class ChangedItem(Strict):
    """An item whose options mean something else in this edition than in the previous one."""

    item: Identifier
    options: list[str] = Field(
        min_length=1, description="Keys of the options that changed meaning."
    )


class EditionChanges(Strict):
    """What changed in meaning since the previous edition of the same standard.

    A draft moved from that edition to this one keeps its answers (same items, same keys); the firm
    is shown these items to re-read, because a letter chosen against the old text may now be wrong.
    """

    since: str = Field(min_length=1, description="The previous edition these changes are against.")
    summary: Text = Field(description="What the new edition changes, in a sentence or two.")
    meaning_changed: list[ChangedItem] = Field(default_factory=list)
    provenance: Provenance


class Standard(Strict):
    """One edition of one criteria set."""

    schema_version: Literal[1] = Field(description="Version of this file format.")
    document: Literal["standard"]
    id: Identifier
    edition: str = Field(min_length=1)
    title: Text
    short_title: Text | None = None
    summary: Text | None = None
    region: str | None = Field(
        default=None, description="GB/T 2260 code where the standard is regional."
    )
    validity_years: int | None = Field(
        default=None, ge=1, description="Certificate validity, if declared."
    )
    documents: list[Document] = Field(default_factory=list)
    provenance: Provenance
    item_provenance: Provenance | None = Field(
        default=None, description="Provenance of every item that has none of its own."
    )
    industry_types: list[IndustryType] = Field(default_factory=list)
    tiers: list[Tier] = Field(default_factory=list)
    profiles: list[Profile] = Field(min_length=1)
    default_applicability: Applicability = Applicability.MANDATORY
    scoring: Scoring
    nodes: list[Node] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)
    gates: list[Gate] = Field(default_factory=list)
    parameters: dict[str, Sourced] = Field(
        default_factory=dict, description="Further sourced parameters of the standard."
    )
    changes: EditionChanges | None = Field(
        default=None,
        exclude_if=is_unset,
        description="Items whose meaning changed since the previous edition.",
    )

    @cached_property
    def sha256(self) -> str:
        """The content hash (SHA-256 of the canonical JSON) every snapshot and receipt names.
        The model is frozen, so the hash of one object never changes: it is worked out once
        (a 100-item standard takes ~150 ms to serialise), not on every page run."""
        return sha256_of(self)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Standard:
        # A copy with changes is another content: it must not inherit this object's hash.
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("sha256", None)
        return copied


# --- shared documents ----------------------------------------------------------------------


class ScaleGrade(Strict):
    key: Annotated[str, Field(pattern=r"^[a-z_]{1,24}$")]
    value: float = Field(ge=0, le=1)
    text: Text


class Scale(Strict):
    id: Identifier
    name: Text
    grades: list[ScaleGrade] = Field(min_length=2)
    provenance: Provenance


class ScaleLibrary(Strict):
    schema_version: Literal[1]
    document: Literal["scales"]
    scales: list[Scale] = Field(min_length=1)


class Unit(Strict):
    id: str = Field(min_length=1)
    name: Text
    dimension: str


class UnitLibrary(Strict):
    schema_version: Literal[1]
    document: Literal["units"]
    units: list[Unit] = Field(min_length=1)


class CrosswalkLink(Strict):
    source_item: Identifier
    target: Identifier = Field(description="Node or item id in the target standard.")
    relation: Literal["evidence_for", "equivalent", "derives_value"] = "evidence_for"
    note: str | None = None


class Crosswalk(Strict):
    """Links between the items of one standard and the nodes/items of another."""

    schema_version: Literal[1]
    document: Literal["crosswalk"]
    id: Identifier
    source: Identifier = Field(description="Standard id the answers are given in.")
    target: Identifier = Field(description="Standard id derived from them.")
    title: Text
    provenance: Provenance
    links: list[CrosswalkLink] = Field(min_length=1)
