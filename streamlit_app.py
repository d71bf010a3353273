"""智造评估 zhizao — the Streamlit entry point: builds the navigation for the signed-in role.

Nothing else happens here. Pages live in ui/ (one module per page) and call assessment/ services.
A page that is not in the navigation of the current role cannot be reached (not even by URL), and
every sensitive page checks the role again itself (`ui.auth.require_role`, which calls st.stop()).
The QR code of a certificate links to `/?verify=<number>`, which opens the public verification
page without signing in.

Run: `make run`, or `python -m streamlit run ui/server.py` (the same pages plus the routes that set
the sign-in cookie; `streamlit run streamlit_app.py` works too, with sign-in kept per tab).
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from assessment.accounts.principal import Role
from assessment.submissions import inbox
from ui.parts import auth, mobile
from ui.parts.common import db, t
from ui.parts.uploader_text import localise_uploaders

st.set_page_config(page_title="智造评估 zhizao", page_icon="🏭", layout="wide")
st.session_state.setdefault("lang", "zh")

user = auth.current_user()
# Right after a sign-in (a password's, or the identity provider's found just now) or a sign-out
# the browser first fetches or drops its session cookie (ui/server.py); the page it comes back
# to is drawn then.
if auth.hand_off_cookie() or auth.drop_cookie():
    st.stop()
verifying = bool(st.query_params.get("verify"))
# The language switch and the account box first: the page titles below follow the language.
auth.sidebar_controls(user)
# On a narrow screen the sidebar lies over the page: it closes once a menu item is chosen.
mobile.close_sidebar_after_navigation()


def page(
    path: str, key: str, url: str, *, default: bool = False, icon: str | None = None
) -> st.Page:
    return st.Page(path, title=t(key), url_path=url, default=default, icon=icon)


verify = page(
    "ui/pages/verify.py", "nav.verify", "verify", default=verifying, icon=":material/verified:"
)
library = page("ui/pages/library.py", "nav.library", "library", icon=":material/menu_book:")
menu: dict[str, list[st.Page]] = {}
if user is None:
    menu[""] = [
        page(
            "ui/pages/sign_in.py",
            "nav.sign_in",
            "sign-in",
            default=not verifying,
            icon=":material/login:",
        ),
        verify,
        library,
    ]
elif user.role is Role.ENTERPRISE:
    menu[t("nav.section.assessment")] = [
        page("ui/pages/home.py", "nav.home", "home", default=not verifying, icon=":material/home:"),
        page("ui/pages/new_assessment.py", "nav.new", "new", icon=":material/add_circle:"),
        page(
            "ui/pages/questionnaire.py",
            "nav.questionnaire",
            "questionnaire",
            icon=":material/checklist:",
        ),
        page("ui/pages/results.py", "nav.results", "results", icon=":material/bar_chart:"),
        page("ui/pages/carbon.py", "nav.carbon", "carbon", icon=":material/eco:"),
    ]
elif user.role is Role.EVALUATOR:
    menu[t("nav.section.review")] = [
        page(
            "ui/pages/queue.py",
            "nav.queue",
            "queue",
            default=not verifying,
            icon=":material/inbox:",
        ),
        page("ui/pages/review.py", "nav.review", "review", icon=":material/rate_review:"),
    ]
else:
    menu[t("nav.section.admin")] = [
        page(
            "ui/pages/admin_orgs.py",
            "nav.orgs",
            "organisations",
            default=not verifying,
            icon=":material/domain:",
        ),
        page(
            "ui/pages/admin_assign.py",
            "nav.assign",
            "assignments",
            icon=":material/assignment_ind:",
        ),
        page(
            "ui/pages/admin_library.py",
            "nav.admin_library",
            "standards",
            icon=":material/library_books:",
        ),
        page(
            "ui/pages/admin_certificates.py",
            "nav.certificates",
            "certificates",
            icon=":material/workspace_premium:",
        ),
        page("ui/pages/admin_audit.py", "nav.audit", "audit", icon=":material/history:"),
    ]
if user is not None:
    # The unread count rides on the menu entry, so it shows on every page of every role.
    unread = inbox.unread_count(db(), user)
    messages = st.Page(
        "ui/pages/inbox.py",
        title=t("nav.inbox_unread", n=unread) if unread else t("nav.inbox"),
        url_path="inbox",
        icon=":material/notifications:",
    )
    benchmark = page("ui/pages/benchmark.py", "nav.benchmark", "benchmark",
                     icon=":material/leaderboard:")  # fmt: skip
    menu[t("nav.section.more")] = [messages, benchmark, library, verify]

# Streamlit's own uploader words (it has no setting for them), in the language chosen above.
localise_uploaders()
try:
    st.navigation(menu).run()
except SQLAlchemyError:
    # A storage failure (a busy or unreachable database, a constraint the services did not
    # foresee) is logged whole for the operator; the person sees a plain message, never SQL.
    logging.getLogger("zhizao").exception("storage error while drawing a page")
    st.error(t("common.storage_error"))
