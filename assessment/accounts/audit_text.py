"""The audit log in words, in Chinese and English: what an action code means (`login.ok` → 登录成功)
and what an entry changed (`{"answers": {"FF-001": "B"}} → {"answers": {"FF-001": "C"}}` → 答案
FF-001：B → C).

Read side only: the log keeps its codes and JSON (they are what the services write and what an
export carries); a page shows these sentences. Every action code written in assessment/ has a text
in both languages (tests/test_plain_language_audit.py reads the code base for them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from assessment.accounts.audit import AuditView
from assessment.reports.plain import label_name

Pair = tuple[str, str]  # (zh, en)

ACTIONS: dict[str, Pair] = {
    "login.ok": ("登录成功", "Signed in"),
    "login.oidc": ("通过单点登录（OIDC）登录", "Signed in with single sign-on (OIDC)"),
    "login.failed": ("登录失败（密码错误）", "Sign-in failed (wrong password)"),
    "login.locked": ("账号因多次登录失败被暂时锁定", "Account locked after repeated failed sign-ins"),
    "user.create": ("创建账号", "Account created"),
    "user.unlock": ("解除账号锁定", "Account unlocked"),
    "user.password_change": ("修改密码", "Password changed"),
    "user.disable": ("停用账号", "Account disabled"),
    "user.enable": ("启用账号", "Account enabled"),
    "organisation.create": ("登记企业", "Firm registered"),
    "organisation.update": ("修改企业信息", "Firm details changed"),
    "organisation.credit_code_override": (
        "信用代码未通过校验，管理员确认登记", "Credit code failed its check; kept by an administrator"
    ),
    "submission.create": ("新建评估", "Assessment created"),
    "submission.submit": ("提交评估", "Assessment submitted"),
    "submission.assign": ("分配评审员", "Evaluator assigned"),
    "submission.start_review": ("开始评审", "Review started"),
    "submission.return_to_firm": ("退回企业修改", "Returned to the firm"),
    "submission.approve": ("评审通过", "Approved"),
    "submission.reject": ("评审不通过", "Rejected"),
    "submission.revoke": ("撤销评定结果", "Result revoked"),
    "submission.move_edition": ("改用标准的新版本", "Moved to the current edition"),
    "answers.save": ("保存答案", "Answers saved"),
    "evidence.add": ("上传证明材料", "Evidence uploaded"),
    "activity.save": ("保存碳核算数据", "Carbon data saved"),
    "review.accept": ("采纳企业答案", "Firm's answer accepted"),
    "review.adjust": ("评审员调整答案", "Answer adjusted by the evaluator"),
    "review.accept_remaining": ("采纳其余答案", "Remaining answers accepted"),
    "comment.public": ("发表意见", "Comment"),
    "comment.internal": ("内部备注", "Internal note"),
    "certificate.issue": ("颁发证书", "Certificate issued"),
    "certificate.revoke": ("撤销证书", "Certificate revoked"),
    "configured_value.set": ("设定待定参数的取值", "Value set for a pending parameter"),
    "configured_value.withdraw": ("撤回设定的参数取值", "Configured value withdrawn"),
    "assignment.auto": ("自动分配设置", "Automatic assignment setting"),
    "assignment.rule_add": ("新增分配规则", "Assignment rule added"),
    "assignment.rule_remove": ("删除分配规则", "Assignment rule removed"),
    "demo.cohort": ("生成演示数据", "Demo data generated"),
}  # fmt: skip

STATUS: dict[str, Pair] = {
    "draft": ("草稿", "draft"),
    "submitted": ("已提交", "submitted"),
    "in_review": ("评审中", "in review"),
    "returned": ("已退回", "returned"),
    "approved": ("已通过", "approved"),
    "rejected": ("未通过", "rejected"),
    "revoked": ("已撤销", "revoked"),
    "valid": ("有效", "valid"),
}

FIELDS: dict[str, Pair] = {
    "status": ("状态", "status"),
    "answers": ("答案", "answer"),
    "gate": ("准入条件", "condition"),
    "item": ("题目", "item"),
    "reason": ("理由", "reason"),
    "comment": ("意见", "comment"),
    "total": ("得分", "score"),
    "tier": ("等级", "tier"),
    "level": ("成熟度等级", "level"),
    "adjusted": ("调整题数", "items adjusted"),
    "round": ("评审轮次", "review round"),
    "evaluator": ("评审员", "evaluator"),
    "standard": ("标准", "standard"),
    "edition": ("版本", "edition"),
    "profile": ("目标档位", "profile"),
    "industry_type": ("行业类型", "industry type"),
    "number": ("证书编号", "certificate number"),
    "issued_on": ("颁发日期", "issued on"),
    "expires_on": ("有效期至", "valid until"),
    "filename": ("文件", "file"),
    "size": ("大小", "size"),
    "year": ("年份", "year"),
    "failed_logins": ("连续失败次数", "failed attempts in a row"),
    "issuer": ("身份提供方", "identity provider"),
    "locked_until": ("锁定至", "locked until"),
    "email": ("邮箱", "e-mail"),
    "role": ("角色", "role"),
    "active": ("启用", "active"),
    "name": ("名称", "name"),
    "credit_code": ("统一社会信用代码", "credit code"),
    "industry_code": ("行业代码", "industry code"),
    "region_code": ("地区代码", "region code"),
    "region_prefix": ("地区", "region"),
    "industry_division": ("行业门类", "industry division"),
    "size_class": ("企业规模", "size class"),
    "employees": ("从业人数", "employees"),
    "revenue_wan": ("营业收入（万元）", "revenue (10k yuan)"),
    "path": ("参数", "parameter"),
    "value": ("取值", "value"),
    "label": ("依据", "evidence"),
    "on": ("开启", "on"),
    "count": ("数量", "count"),
    "reread_items": ("需重新确认的题目", "items to re-read"),
    "accepted": ("采纳", "accepted"),
}

ROLES: dict[str, Pair] = {
    "enterprise": ("企业用户", "firm user"),
    "evaluator": ("评审员", "evaluator"),
    "administrator": ("管理员", "administrator"),
}
ENTITIES: dict[str, Pair] = {
    "user": ("账号", "account"),
    "organisation": ("企业", "firm"),
    "submission": ("评估", "assessment"),
    "evidence": ("证明材料", "evidence"),
    "comment": ("意见", "comment"),
    "certificate": ("证书", "certificate"),
    "item": ("题目", "item"),
    "gate": ("准入条件", "condition"),
    "standard": ("标准", "standard"),
    "setting": ("设置", "setting"),
    "assignment_rule": ("分配规则", "assignment rule"),
}
EMPTY: Pair = ("（空）", "(empty)")
YES_NO: dict[bool, Pair] = {True: ("是", "yes"), False: ("否", "no")}
NOT_APPLICABLE: Pair = ("不适用", "not applicable")
# Bookkeeping in the JSON that says nothing to a reader (the row version, hashes, ids).
QUIET = frozenset(
    {"version", "standard_sha256", "answers_sha256", "sha256", "media_type", "organisation_id",
     "id", "created_at", "synthetic", "credit_code_valid", "seed", "first", "years", "problem",
     "decision", "original", "submissions"}
)  # fmt: skip
MAX_TEXT = 120
MAX_ANSWERS = 8


def _pick(pair: Pair, lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def action_text(code: str, lang: str) -> str:
    """The action in words; a code without a text (written by a newer version) is shown as is."""
    pair = ACTIONS.get(code)
    return _pick(pair, lang) if pair else code


def entity_text(entity: str, entity_id: str | None, lang: str) -> str:
    """'评估 12', 'answer FF-001'; an entity without a name is shown as stored."""
    pair = ENTITIES.get(entity)
    name = _pick(pair, lang) if pair else entity
    return f"{name} {entity_id}" if entity_id else name


def field_name(key: str, lang: str) -> str:
    pair = FIELDS.get(key)
    return _pick(pair, lang) if pair else key


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def value_text(value: Any, lang: str, key: str = "") -> str:
    """One stored value as a reader sees it: option letters, 是/否, 不适用, measured figures."""
    if value is None:
        return _pick(EMPTY, lang)
    if isinstance(value, bool):
        return _pick(YES_NO[value], lang)
    if key == "status" and isinstance(value, str) and value in STATUS:
        return _pick(STATUS[value], lang)
    if key == "role" and isinstance(value, str) and value in ROLES:
        return _pick(ROLES[value], lang)
    if key == "label" and isinstance(value, str):
        return label_name(value, lang)
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, Mapping):
        if value.get("na"):
            reason = value.get("reason")
            return _pick(NOT_APPLICABLE, lang) + (f"（{_short(str(reason))}）" if reason else "")
        if "value" in value and len(value) <= 3:
            return value_text(value["value"], lang)
        return "，".join(f"{k}={value_text(v, lang)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if not value:
            return _pick(EMPTY, lang)
        if all(isinstance(v, Mapping) for v in value):
            return "; ".join(value_text(v, lang) for v in value)
        return "+".join(value_text(v, lang) for v in value)
    return _short(str(value))


def _answer_key(key: str, lang: str) -> str:
    if key.startswith("gate:"):
        return f"{field_name('gate', lang)} {key[5:]}"
    return f"{field_name('answers', lang)} {key}"


def _answers(entry: AuditView, lang: str) -> list[str]:
    before = (entry.before or {}).get("answers", {}) if isinstance(entry.before, dict) else {}
    after = (entry.after or {}).get("answers", {}) if isinstance(entry.after, dict) else {}
    keys = sorted(set(before) | set(after))
    lines = [
        f"{_answer_key(k, lang)}：{value_text(before.get(k), lang)} → {value_text(after.get(k), lang)}"
        for k in keys[:MAX_ANSWERS]
    ]
    if len(keys) > MAX_ANSWERS:  # a workbook import changes a hundred answers at once
        rest = len(keys) - MAX_ANSWERS
        lines.append(f"…… 另有 {rest} 项" if lang != "en" else f"… and {rest} more")
    return lines


def _decision(entry: AuditView, lang: str) -> list[str]:
    after = entry.after if isinstance(entry.after, dict) else {}
    what = f"{field_name(entry.entity if entry.entity in ('item', 'gate') else 'item', lang)} "
    what += str(entry.entity_id or "")
    if after.get("decision") == "adjust":
        line = (
            f"{what}：{value_text(after.get('original'), lang)} → "
            f"{value_text(after.get('value'), lang)}"
        )
    else:
        line = f"{what}：{value_text(after.get('original'), lang)}"
    lines = [line]
    if after.get("reason"):
        lines.append(f"{field_name('reason', lang)}：{_short(str(after['reason']))}")
    return lines


def _accepted(entry: AuditView, lang: str) -> list[str]:
    after = entry.after if isinstance(entry.after, dict) else {}
    # The keys are item ids of the standard; a count says what a reader needs here.
    count = len(after.get("accepted", []))
    return [f"{field_name('accepted', lang)} {count} 项" if lang != "en" else f"accepted {count}"]


def _comment(entry: AuditView, lang: str) -> list[str]:
    after = entry.after if isinstance(entry.after, dict) else {}
    where = f"{field_name('item', lang)} {after['item_id']}：" if after.get("item_id") else ""
    return [where + _short(str(after.get("body") or ""))]


def _evidence(entry: AuditView, lang: str) -> list[str]:
    after = entry.after if isinstance(entry.after, dict) else {}
    size = after.get("size")
    line = str(after.get("filename") or "")
    if isinstance(size, int):
        line += f"（{size / 1024:,.1f} KB）"
    if after.get("item_id"):
        line += f" · {field_name('item', lang)} {after['item_id']}"
    return [line]


def _activity(entry: AuditView, lang: str) -> list[str]:
    after = entry.after if isinstance(entry.after, dict) else {}
    year = after.get("year")
    return [f"{year} 年" if lang != "en" else f"year {year}"] if year is not None else []


def _assign(entry: AuditView, lang: str, names: Mapping[int, str]) -> list[str]:
    def who(value: Any) -> str:
        if value is None:
            return _pick(EMPTY, lang)
        return names.get(value, f"#{value}") if isinstance(value, int) else str(value)

    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    old, new = before.get("assigned_evaluator_id"), after.get("assigned_evaluator_id")
    return [f"{field_name('evaluator', lang)}：{who(old)} → {who(new)}"]


def _generic(entry: AuditView, lang: str, names: Mapping[int, str]) -> list[str]:
    """Field by field: 'status: draft → submitted', or 'field: value' where only one side has it."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in QUIET:
            continue
        if key.endswith("_id") and key != "item_id":
            value = after.get(key, before.get(key))
            shown = names.get(value, f"#{value}") if isinstance(value, int) else str(value)
            lines.append(f"{field_name(key.removesuffix('_id'), lang)}：{shown}")
            continue
        name = field_name(key, lang)
        if key in before and key in after:
            old, new = before[key], after[key]
            if old == new:
                continue
            lines.append(f"{name}：{value_text(old, lang, key)} → {value_text(new, lang, key)}")
        else:
            lines.append(f"{name}：{value_text(after.get(key, before.get(key)), lang, key)}")
    return lines


_CHANGES: dict[str, Callable[[AuditView, str], list[str]]] = {
    "answers.save": _answers,
    "review.accept": _decision,
    "review.adjust": _decision,
    "review.accept_remaining": _accepted,
    "comment.public": _comment,
    "comment.internal": _comment,
    "evidence.add": _evidence,
    "activity.save": _activity,
}


def change_text(entry: AuditView, lang: str, names: Mapping[int, str] | None = None) -> str:
    """What the entry changed, one fact per line ('答案 FF-001：B → C'); names maps user ids
    to what the page shows for them (e-mail addresses)."""
    known = names or {}
    if entry.action in _CHANGES:
        lines = _CHANGES[entry.action](entry, lang)
    elif entry.action == "submission.assign":
        lines = _assign(entry, lang, known)
    else:
        lines = _generic(entry, lang, known)
    text = "\n".join(line for line in lines if line)
    return text.translate(_ENGLISH_PUNCTUATION) if lang == "en" else text


# The lines are written with Chinese punctuation; English text gets its own.
_ENGLISH_PUNCTUATION = str.maketrans({"：": ": ", "（": " (", "）": ")", "，": ", ", "、": ", "})
