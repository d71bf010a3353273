"""The database tables (SQLAlchemy 2 declarative models).

Portable across SQLite and PostgreSQL: integer ids, strings checked by CHECK constraints instead of
native enums, JSON stored as text-exact `JSON`, timestamps always timezone-aware UTC in Python.
Every change to these classes needs an Alembic migration (assessment/storage/migrations/versions/);
tests/test_db_schema.py fails when the models and the migrations disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names: SQLite batch migrations can only alter constraints that have names.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("enterprise", "evaluator", "administrator")


class Status(StrEnum):
    """The state of a submission, stored as its value. The transitions between them, and who
    may take each, are `assessment.submissions.states.ACTIONS`."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


STATES = tuple(str(status) for status in Status)
SIZE_CLASSES = ("large", "medium", "small", "micro")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it without an offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(none_as_null=True),
        Any: JSON(none_as_null=True),
    }


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(_in("size_class", SIZE_CLASSES), name="size_class"),
        CheckConstraint("industry_type IN ('discrete', 'process')", name="industry_type"),
        CheckConstraint(
            "credit_code_valid OR credit_code_override_reason IS NOT NULL",
            name="credit_code_override",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    credit_code_valid: Mapped[bool] = mapped_column(Boolean)
    credit_code_override_reason: Mapped[str | None] = mapped_column(Text)
    industry_code: Mapped[str] = mapped_column(String(4))
    industry_type: Mapped[str | None] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(String(6))
    size_class: Mapped[str | None] = mapped_column(String(16))
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_wan: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # A demo firm of `zhizao demo seed`: only the demo issuer key signs its results.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(
            "(role = 'enterprise' AND organisation_id IS NOT NULL) OR "
            "(role <> 'enterprise' AND organisation_id IS NULL)",
            name="enterprise_has_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # Raised whenever the account's credentials change (a new password): a session remembers the
    # value it signed in with and ends once the account's value has moved on.
    credential_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class StandardSnapshot(Base):
    """The exact standard (and the scales it uses) a submission is scored against, by SHA-256."""

    __tablename__ = "standard_snapshots"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    standard_id: Mapped[str] = mapped_column(String(64))
    edition: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]]
    scales: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(_in("status", STATES), name="status"),
        CheckConstraint("industry_type IN ('discrete', 'process')", name="industry_type"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    standard_id: Mapped[str] = mapped_column(String(64))
    edition: Mapped[str] = mapped_column(String(32))
    standard_sha256: Mapped[str] = mapped_column(ForeignKey("standard_snapshots.sha256"))
    profile: Mapped[str] = mapped_column(String(64))
    industry_type: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    assigned_evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    # What the firm submitted and what the engine made of it; then the evaluated answers and the
    # engine's final result. Each result carries its receipt (standard and answers SHA-256).
    self_answers: Mapped[dict[str, Any] | None]
    self_result: Mapped[dict[str, Any] | None]
    final_answers: Mapped[dict[str, Any] | None]
    final_result: Mapped[dict[str, Any] | None]
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # Items whose options mean something else since the draft moved to a newer edition of its
    # standard (`submissions.move_to_edition`): the firm re-reads them. Null: never moved.
    reread_items: Mapped[Any] = mapped_column(nullable=True)


class Answer(Base):
    """The live answer to one item (kind 'item') or gate (kind 'gate') of a submission."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("submission_id", "kind", "key", name="uq_answers_submission_kind_key"),
        CheckConstraint("kind IN ('item', 'gate')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EvidenceBlob(Base):
    """File content, stored once per SHA-256 however many submissions cite it."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class EvidenceFile(Base):
    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(String(64))
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]


class Review(Base):
    """One evaluation round of a submission (a new round starts after each resubmission)."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("submission_id", "round", name="uq_reviews_submission_round"),
        CheckConstraint("outcome IN ('returned', 'approved', 'rejected')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))


class ItemDecision(Base):
    """An evaluator's decision on one answered item or gate: accept it, or adjust it with a reason."""

    __tablename__ = "item_decisions"
    __table_args__ = (
        UniqueConstraint("review_id", "kind", "key", name="uq_item_decisions_review_kind_key"),
        CheckConstraint("decision IN ('accept', 'adjust')", name="decision"),
        CheckConstraint("kind IN ('item', 'gate')", name="kind"),
        CheckConstraint(
            "decision = 'accept' OR (reason IS NOT NULL AND reason <> '')", name="adjust_reason"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(8))
    original: Mapped[Any]
    value: Mapped[Any] = mapped_column(nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (CheckConstraint("visibility IN ('public', 'internal')", name="visibility"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visibility: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Certificate(Base):
    """Filled by the certificate issue: the signed, verifiable record of an approved result."""

    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint("status IN ('valid', 'revoked')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    record: Mapped[dict[str, Any]]
    signature: Mapped[str | None] = mapped_column(Text)
    # The file as issued, PDF signature included (None: issued before files were kept).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class SubmissionActivity(Base):
    """A year of the firm's energy data for one submission (the input of carbon accounting).

    One row per submission and reporting year; `data` is the activity mapping that
    `scoring.carbon.parse_activity` reads (the same format as `zhizao carbon FILE`).
    """

    __tablename__ = "submission_activities"
    __table_args__ = (
        UniqueConstraint("submission_id", "year", name="uq_submission_activities_submission_year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class BenchmarkFact(Base):
    """One submission's result as the benchmark reads it: derived, denormalised, one row per
    approved or self-assessed (submitted, in review, returned) submission.

    Kept in step by `assessment.benchmark.store.refresh` in every action that changes a row, and
    rebuilt from the submissions by `zhizao benchmark --rebuild`. `counted` marks the row a firm is
    counted with in its standard edition and year (its approved result first, else its latest
    self-assessment). The firm's classification is copied as it was when the row was written.
    `domain_values` packs one little-endian float64 per id in `domain_ids` (NaN = no score);
    `carbon_l` is the 碳效码 L of the submission's newest year of activity data (`carbon_year`).
    """

    __tablename__ = "benchmark_facts"
    __table_args__ = (
        CheckConstraint("basis IN ('approved', 'self')", name="basis"),
        Index("ix_benchmark_facts_population", "standard_id", "edition", "year", "counted"),
    )

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    standard_id: Mapped[str] = mapped_column(String(64))
    edition: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(16))
    counted: Mapped[bool] = mapped_column(Boolean)
    source_version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    industry_code: Mapped[str] = mapped_column(String(4))
    region_code: Mapped[str] = mapped_column(String(6))
    size_class: Mapped[str | None] = mapped_column(String(16))
    synthetic: Mapped[bool] = mapped_column(Boolean)
    total: Mapped[float] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    maturity_score: Mapped[float | None] = mapped_column(Float)
    tier_rank: Mapped[int | None] = mapped_column(Integer)
    tier: Mapped[str | None] = mapped_column(String(64))
    domain_ids: Mapped[str] = mapped_column(Text)
    domain_values: Mapped[bytes] = mapped_column(LargeBinary)
    carbon_year: Mapped[int | None] = mapped_column(Integer)
    carbon_l: Mapped[float | None] = mapped_column(Float)
    tco2: Mapped[float | None] = mapped_column(Float)
    value_added: Mapped[float | None] = mapped_column(Float)
    # the numbers above packed for reading a population in bulk (benchmark_store.VECTOR)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)


class BenchmarkGeneration(Base):
    """One counter, raised whenever a benchmark row changes: a process may keep a population it
    read while the counter (and the population's row count) stay the same."""

    __tablename__ = "benchmark_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class ConfiguredValue(Base):
    """A value an administrator set for a parameter the standard leaves NOT FOUND (e.g. an
    investment floor), with the source it rests on. Append-only history: the newest row of a
    (standard, edition, path) is in force; a row with a null value withdraws the setting. New
    submissions are created against the standard with these values applied (a snapshot of its
    own), so a stored result never changes under a firm's feet."""

    __tablename__ = "configured_values"
    __table_args__ = (
        CheckConstraint(
            _in("label", ("OFFICIAL", "NEWS", "THIRD-PARTY", "UNVERIFIED", "INFERRED")),
            name="label",
        ),
        Index("ix_configured_values_standard", "standard_id", "edition"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[str] = mapped_column(String(64))
    edition: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(255))
    value: Mapped[Any] = mapped_column(nullable=True)
    label: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]


class SignInSession(Base):
    """A signed-in browser: the cookie holds a random token, this row only its SHA-256. Several
    tabs and several app processes share the row; ending it (sign-out, expiry, a disabled account)
    signs out every one of them on their next run. `handoff_sha256` is the one-time ticket with
    which the page that checked the password lets the browser fetch its cookie."""

    __tablename__ = "sign_in_sessions"
    __table_args__ = (CheckConstraint(_in("method", ("password", "oidc")), name="method"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_version: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    handoff_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_until: Mapped[datetime | None]


NOTICE_KINDS = (
    "pool_submitted",  # to administrators: a submission waits for an evaluator
    "assigned",  # to the evaluator a submission was given to (by hand or by a rule)
    "resubmitted",  # to the assigned evaluator: the firm sent its revision
    "returned",  # to the firm: the evaluator sent it back for changes
    "approved",  # to the firm
    "rejected",  # to the firm
    "result_revoked",  # to the firm and its evaluator: an administrator withdrew the result
    "certificate_issued",  # to the firm
    "certificate_revoked",  # to the firm: one certificate withdrawn, the result stands
)


class Notice(Base):
    """One line of a person's in-app inbox, written in the transaction of the action it tells of.

    It holds the `kind` and the values the sentence names (`params`: ids, names, a certificate
    number), never a sentence: the inbox renders it in the reader's language when it is read."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint(_in("kind", NOTICE_KINDS), name="kind"),
        Index("ix_notices_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    params: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class AssignmentRule(Base):
    """Submissions of firms in a region (a GB/T 2260 code prefix: 2 digits a province, 4 a city,
    6 a county) and/or an industry (a GB/T 4754 division) go to this evaluator. Several rules with
    the same scope share the work (fewest open reviews first); the most specific scope that has an
    active evaluator wins. Used only while automatic assignment is on (`Setting`
    `assignment.auto`)."""

    __tablename__ = "assignment_rules"
    __table_args__ = (
        UniqueConstraint(
            "region_prefix", "industry_division", "evaluator_id", name="uq_assignment_rules_scope"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "" is any region / any industry (so the scope is unique and a prefix test matches it)
    region_prefix: Mapped[str] = mapped_column(String(6))
    industry_division: Mapped[str] = mapped_column(String(2))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class Setting(Base):
    """An installation setting an administrator changes in the app (audited), by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(nullable=True)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only: rows are never updated or deleted (ORM guard in assessment/audit.py, and
    database triggers created by the migrations)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(254))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    before: Mapped[Any] = mapped_column(nullable=True)
    after: Mapped[Any] = mapped_column(nullable=True)


# Insertion order that satisfies every foreign key (export / import walk it). `SignInSession` is
# left out on purpose: a restored database starts with nobody signed in.
TABLE_ORDER = (
    Organisation,
    User,
    Setting,
    AssignmentRule,
    StandardSnapshot,
    ConfiguredValue,
    Submission,
    Answer,
    EvidenceBlob,
    EvidenceFile,
    Review,
    ItemDecision,
    Comment,
    Certificate,
    SubmissionActivity,
    BenchmarkFact,
    Notice,
    AuditEntry,
)
