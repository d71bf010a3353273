"""The questionnaire's Excel section: the template of the submission, and a filled workbook
imported in two steps — first a preview of what would change and of every problem (sheet, row,
item; nothing is saved), then an explicit import. All or nothing by default; the actor may choose
to import only the valid rows. The import expects the version the preview was made against, so
answers saved in between (another tab, a colleague) are a conflict, never overwritten unseen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from assessment.accounts.principal import Principal
from assessment.errors import Conflict, LifecycleError
from assessment.excel import layout
from assessment.excel.reader import item_of
from assessment.excel.service import (
    ImportPreview,
    WorkbookRejected,
    import_into_submission,
    preview_import,
)
from assessment.submissions import SubmissionView, appdata
from standards import Standard
from standards.models import Scale
from standards.problems import Problem
from ui.parts.common import db, flash, lang, number, show_error, t, tr
from ui.parts.downloads import template_button
from ui.parts.widgets import answer_text

MAX_MB = math.ceil(layout.MAX_BYTES / 1024 / 1024)


def _nonce_key(sid: int) -> str:
    return f"xl_nonce::{sid}"


def _cache_key(sid: int) -> str:
    return f"xl_preview::{sid}"


def _preview(
    actor: Principal, sid: int, version: int, upload: Any, only_valid: bool
) -> ImportPreview | None:
    """The preview of this upload against this version, read once and kept for the page's reruns
    (one entry per choice of `only_valid`; another file or version starts afresh)."""
    upload_id = (upload.file_id, version)
    cached: tuple[Any, dict[bool, ImportPreview]] | None = st.session_state.get(_cache_key(sid))
    if cached is None or cached[0] != upload_id:
        cached = (upload_id, {})
        st.session_state[_cache_key(sid)] = cached
    found: ImportPreview | None = cached[1].get(only_valid)
    if found is None:
        try:
            found = preview_import(actor, db(), sid, upload.getvalue(), valid_rows_only=only_valid)
        except LifecycleError as exc:
            show_error(exc)
            return None
        cached[1][only_valid] = found
    return found


def _problem_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    """One row a problem: its sheet, row, item and column, and what is wrong — in the page's
    language, as is the place of a problem of the whole workbook."""
    language = lang()
    return [
        {
            t("xl.col_sheet"): p.sheet or "—",
            t("xl.col_row"): p.line,
            t("xl.col_item"): _item(p, language),
            t("xl.col_column"): _column(p.column, language),
            t("xl.col_message"): p.message(language),
        }
        for p in problems
    ]


def _item(problem: Problem, language: str) -> str:
    """The item or gate of the problem's row (its id), or the key its `loc` names, read in the
    page's language (评估档次, 能源 › natural_gas)."""
    if problem.loc[:1] in (("answers",), ("gates",), ("related_results",)):
        return item_of(problem) or "—"
    return problem.where(language) or "—"


def _column(header: object, language: str) -> str:
    """A column's header in the page's language ("答案" for "答案 Answer"); as written if unknown."""
    if header is None:
        return "—"
    for columns in layout.COLUMNS_BY_ROLE.values():
        for column in columns.values():
            if column.header == header:
                return column.zh if language == "zh" else column.en
    return str(header)


def problems_table(problems: list[Problem], *, key: str) -> None:
    st.dataframe(
        _problem_rows(problems),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            t("xl.col_row"): st.column_config.NumberColumn(width="small", format="%d"),
            t("xl.col_message"): st.column_config.TextColumn(width="large"),
        },
    )


def _change_rows(
    std: Standard, preview: ImportPreview, industry: str | None, scales: Mapping[str, Scale]
) -> list[dict[str, Any]]:
    items = {i.id: i for i in std.items}
    gates = {g.id: g for g in std.gates}
    rows = []
    for change in preview.changes:
        item = items.get(change.key) if change.kind == "item" else None
        if item is not None:
            title = f"{item.number} {tr(item.title)}" if item.number else tr(item.title)
            before = answer_text(item, change.before, industry, scales)
            after = answer_text(item, change.after, industry, scales)
        else:
            gate = gates.get(change.key)
            title = tr(gate.title) if gate is not None else change.key
            before, after = _plain(change.before), _plain(change.after)
        rows.append(
            {
                t("xl.col_kind"): t(f"xl.kind_{change.kind}"),
                t("xl.col_key"): change.key,
                t("xl.col_title"): title,
                t("xl.col_before"): before,
                t("xl.col_after"): after,
            }
        )
    return rows


def _plain(value: Any) -> str:
    if value is None:
        return t("review.unanswered")
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if isinstance(value, dict) and "value" in value:
        return number(value.get("value"))
    return str(value)


def _show(
    std: Standard, preview: ImportPreview, only_valid: bool, sub: SubmissionView,
    scales: Mapping[str, Scale],
) -> None:  # fmt: skip
    sid = sub.id
    report = preview.report
    st.markdown(f"**{t('xl.preview')}**")
    if report.meta is not None:
        st.caption(t("xl.made_for", standard=report.meta.standard_id, edition=report.meta.edition))
    cols = st.columns(4)
    cols[0].metric(t("xl.added"), preview.added)
    cols[1].metric(t("xl.modified"), preview.modified)
    cols[2].metric(t("xl.unchanged"), preview.unchanged)
    cols[3].metric(t("xl.problems"), len(report.problems))
    counts = report.counts()
    extra = []
    if report.activity:
        extra.append(t("xl.activity", year=report.activity.get("year"), n=counts["energy"]))
    if counts["notes"]:
        extra.append(t("xl.notes", n=counts["notes"]))
    if extra:
        st.caption(" · ".join(extra))
    if report.problems:
        if report.fatal:
            st.error(t("xl.fatal", n=len(report.problems)))
        elif only_valid:
            st.warning(t("xl.skipping", n=len(report.skipped), items=", ".join(report.skipped)))
        else:
            st.error(t("xl.blocked", n=len(report.problems)))
        problems_table(report.problems, key=f"xl_problems-{sid}")
    if report.warnings:
        with st.expander(t("xl.warnings", n=len(report.warnings))):
            problems_table(report.warnings, key=f"xl_warnings-{sid}")
    if preview.changes:
        st.markdown(f"**{t('xl.changes_title', n=len(preview.changes))}**")
        st.dataframe(
            _change_rows(std, preview, sub.industry_type, scales),
            hide_index=True,
            width="stretch",
            key=f"xl_changes-{sid}",
            column_config={
                t("xl.col_kind"): st.column_config.TextColumn(width="small"),
                t("xl.col_key"): st.column_config.TextColumn(width="medium"),
                t("xl.col_title"): st.column_config.TextColumn(width="large"),
            },
        )
    elif report.document is not None:
        st.info(t("xl.nothing"))


def _request_key(sid: int) -> str:
    return f"xl_request::{sid}"


def _request(sid: int, version: int, only_valid: bool) -> None:
    """The import button's callback: remember the version and choice of the preview the actor
    saw; the import itself runs in the page (its messages are drawn there)."""
    st.session_state[_request_key(sid)] = (version, only_valid)


def _import(
    actor: Principal,
    sid: int,
    upload: Any,
    version: int,
    only_valid: bool,
    *,
    on_imported: Callable[[int], None],
) -> None:
    """Import as previewed: against the version the preview showed (a save in between is a
    Conflict, and the preview is made again)."""
    try:
        outcome = import_into_submission(
            actor, db(), sid, upload.getvalue(),
            expected_version=version, valid_rows_only=only_valid,
        )  # fmt: skip
    except WorkbookRejected as exc:
        st.error(t("xl.rejected", n=len(exc.report.problems)))
        problems_table(exc.report.problems, key=f"xl_rejected-{sid}")
        return
    except Conflict:
        st.session_state.pop(_cache_key(sid), None)
        flash(t("xl.conflict"), "warning")
        on_imported(sid)
        st.rerun()
    except LifecycleError as exc:
        show_error(exc)
        return
    view = outcome.submission
    lines = [
        t(
            "xl.imported",
            answers=outcome.answers_saved,
            gates=outcome.gates_saved,
            id=view.id,
            version=view.version,
        )
    ]
    if outcome.notes_added:
        lines.append(t("xl.imported_notes", n=outcome.notes_added))
    if outcome.activity_year is not None:
        lines.append(t("xl.imported_activity", year=outcome.activity_year))
    if outcome.computed:
        lines.append(t("xl.imported_computed", items=", ".join(outcome.computed)))
    if outcome.report.problems and outcome.report.skipped:
        lines.append(t("xl.imported_skipped", items=", ".join(outcome.report.skipped)))
    lines.extend(t("xl.not_stored", what=what.message(lang())) for what in outcome.not_stored)
    flash("  \n".join(lines))
    st.session_state[_nonce_key(sid)] = st.session_state.get(_nonce_key(sid), 0) + 1
    st.session_state.pop(_cache_key(sid), None)
    on_imported(sid)
    st.rerun()


def section(
    actor: Principal,
    sub: SubmissionView,
    std: Standard,
    *,
    editable: bool,
    on_imported: Callable[[int], None],
) -> None:
    """Template download and workbook import, drawn while the submission is editable."""
    sid = sub.id
    requested = st.session_state.pop(_request_key(sid), None)  # a click on Import, used once
    if not editable:  # submitted meanwhile: a click from before is dropped, not kept for later
        st.session_state.pop(_cache_key(sid), None)
        return
    nonce = st.session_state.get(_nonce_key(sid), 0)
    with st.expander(t("xl.title"), icon=":material/table_view:", key=f"xl_open::{sid}"):
        st.caption(t("xl.intro"))
        template_button(actor, sid, key=f"xl_template-{sid}")
        upload = st.file_uploader(
            t("xl.upload", mb=MAX_MB),
            type=["xlsx"],
            key=f"xl_upload::{sid}::{nonce}",
            max_upload_size=MAX_MB,
        )
        if upload is None:
            st.session_state.pop(_cache_key(sid), None)
            return
        preview = _preview(actor, sid, sub.version, upload, only_valid=False)
        if preview is None:
            return
        report = preview.report
        only_valid = False
        if report.problems and not report.fatal:
            only_valid = st.toggle(
                t("xl.rows_only"), key=f"xl_rows_only::{sid}", help=t("xl.rows_only_help")
            )
            if only_valid:
                preview = _preview(actor, sid, sub.version, upload, only_valid=True)
                if preview is None:
                    return
        _show(std, preview, only_valid, sub, appdata.submission_scales(actor, db(), sid))
        st.caption(t("xl.all_or_nothing"))
        st.button(
            t("xl.import_valid" if only_valid else "xl.import"),
            type="primary",
            disabled=not preview.report.usable(only_valid),
            key=f"xl_import::{sid}",
            icon=":material/upload:",
            on_click=_request,
            args=(sid, preview.version, only_valid),
        )
        if requested is not None:
            _import(actor, sid, upload, *requested, on_imported=on_imported)
