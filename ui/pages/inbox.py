"""Everyone signed in: the inbox — what happened to the assessments one works on, newest first.

Each notice is stored as its kind and the values it names (assessment/submissions/inbox.py) and
worded here, in the reader's language, when it is read.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assessment.accounts.principal import Principal, Role
from assessment.errors import LifecycleError
from assessment.submissions import inbox
from ui.parts import auth
from ui.parts.common import db, flash, md, show_error, show_flashes, t, when
from ui.parts.widgets import open_submission

# Where a notice's "open" leads, by the reader's role (and, for a firm, what it says).
FIRM_PAGES = {"returned": "ui/pages/questionnaire.py"}
FIRM_DEFAULT = "ui/pages/results.py"
ROLE_PAGES = {
    Role.EVALUATOR: {"": "ui/pages/review.py"},
    Role.ADMINISTRATOR: {"pool_submitted": "ui/pages/admin_assign.py",
                         "": "ui/pages/admin_certificates.py"},
}  # fmt: skip


def notice_text(notice: inbox.NoticeView) -> str:
    """The notice's sentence in the page's language; the values come from people (names,
    reasons), so Markdown in them is shown literally."""
    values: dict[str, Any] = {k: md(v) for k, v in notice.params.items()}
    return t(f"inbox.kind.{notice.kind}", **values)


def target(actor: Principal, notice: inbox.NoticeView) -> str:
    if actor.role is Role.ENTERPRISE:
        return FIRM_PAGES.get(notice.kind, FIRM_DEFAULT)
    pages = ROLE_PAGES[actor.role]
    return pages.get(notice.kind, pages[""])


def render() -> None:
    actor = auth.require_role(*Role)
    show_flashes()
    st.title(t("inbox.title"))
    unread = inbox.unread_count(db(), actor)
    st.caption(f"{t('inbox.intro')} {t('inbox.unread', n=unread)}")
    c1, c2 = st.columns([3, 1], vertical_alignment="center")
    only_unread = c1.toggle(t("inbox.only_unread"), key="inbox_only_unread")
    if unread and c2.button(t("inbox.mark_all_read"), key="inbox_mark_all"):
        n = inbox.mark_all_read(actor, db())
        flash(t("inbox.marked_all", n=n))
        st.rerun()
    notices = inbox.list_notices(actor, db(), unread_only=only_unread)
    if not notices:
        st.info(t("inbox.empty_unread" if only_unread else "inbox.empty"))
        return
    for notice in notices:
        with st.container(border=True, key=f"notice-{notice.id}"):
            head, actions = st.columns([5, 2], vertical_alignment="center")
            badge = f":blue-badge[{t('inbox.new')}] " if notice.unread else ""
            head.markdown(f"{badge}{notice_text(notice)}")
            head.caption(when(notice.created_at))
            b1, b2 = actions.columns(2)
            if notice.visible and b1.button(t("inbox.open"), key=f"inbox_open-{notice.id}"):
                _mark(actor, notice)
                open_submission(notice.submission_id or 0, target(actor, notice))
            if notice.unread and b2.button(t("inbox.mark_read"), key=f"inbox_read-{notice.id}"):
                _mark(actor, notice)
                st.rerun()


def _mark(actor: Principal, notice: inbox.NoticeView) -> None:
    if not notice.unread:
        return
    try:
        inbox.mark_read(actor, db(), notice.id)
    except LifecycleError as exc:
        show_error(exc)


if __name__ == "__main__":
    render()
