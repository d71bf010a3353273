"""The life of a submission: its states and the one table of who may do what (states), the
standard it is scored against (snapshots), reading it (views), starting, submitting, assigning,
revoking and moving it to a new edition (lifecycle), the firm's answers (answers), the evaluator's
review (review), comments (comments), evidence files (evidence), carbon data (activity), and the
read helpers pages use (appdata).

Imports accounts, storage, library (configured values), benchmark.store (its read model) and the
floors below; never certificates, which builds on it. The names below are the room's public API:
`submissions.submit(...)`, `submissions.Status.DRAFT` …
"""

from assessment.submissions.answers import save_answers
from assessment.submissions.comments import MAX_COMMENT, CommentView, add_comment, list_comments
from assessment.submissions.lifecycle import (
    EditionStatus,
    assign_evaluator,
    create_submission,
    edition_status,
    move_to_edition,
    revoke,
    submit,
)
from assessment.submissions.review import (
    DecisionView,
    accept_remaining,
    approve,
    decide_item,
    list_decisions,
    reject,
    return_to_firm,
    start_review,
)
from assessment.submissions.snapshots import (
    answer_document,
    ensure_snapshot,
    score_document,
    snapshot_standard,
)
from assessment.submissions.states import (
    ACTIONS,
    APPROVED,
    ASSIGNABLE_STATES,
    DRAFT,
    EDITABLE_STATES,
    IN_REVIEW,
    REJECTED,
    RETURNED,
    REVOKED,
    SUBMITTED,
    Action,
    NextStep,
    Party,
    Status,
    next_step,
)
from assessment.submissions.views import (
    SubmissionSummary,
    SubmissionView,
    get_submission,
    list_submissions,
    preview,
)

__all__ = [
    "ACTIONS", "APPROVED", "ASSIGNABLE_STATES", "DRAFT", "EDITABLE_STATES", "IN_REVIEW",
    "MAX_COMMENT", "REJECTED", "RETURNED", "REVOKED", "SUBMITTED", "Action", "CommentView",
    "DecisionView", "EditionStatus", "NextStep", "Party", "Status", "SubmissionSummary", "SubmissionView",
    "accept_remaining", "add_comment", "answer_document", "approve", "assign_evaluator",
    "create_submission", "decide_item", "edition_status", "ensure_snapshot", "get_submission",
    "list_comments", "list_decisions", "list_submissions", "move_to_edition", "next_step", "preview",
    "reject",
    "return_to_firm", "revoke", "save_answers", "score_document", "snapshot_standard",
    "start_review", "submit",
]  # fmt: skip
