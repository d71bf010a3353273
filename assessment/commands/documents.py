"""`zhizao keys …`, `zhizao cert …` and `zhizao report …`: signed certificates and reports.

These commands work on files (answers, records, PDFs); the database-backed issue/revoke flow wires
the same functions to stored submissions and certificates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from assessment.commands.carbon import read_carbon
from assessment.commands.output import fail, print_json
from assessment.db import open_database
from assessment.documents import (
    CertificateRecord,
    EnvelopeError,
    FontError,
    KeyProblem,
    LayoutError,
    MissingGlyphError,
    RecordError,
    build_report_data,
    default_key_dir,
    init_keys,
    load_private_key,
    load_public_key,
    record_from_result,
    render_certificate,
    render_report,
    revocation_list,
    sign_record,
    verify_pdf,
)
from assessment.documents.registry import database_registry
from assessment.documents.signing import PUBLIC_NAME, fingerprint, public_pem
from scoring import AnswerError, Result, parse_answers, score
from scoring.carbon import CarbonResult, green_figures
from standards import DocumentError, Standard, bundled_library
from standards.yamlsafe import parse_file


def register(sub: Any) -> None:
    _register_keys(sub)
    _register_cert(sub)
    _register_report(sub)


# --- keys -------------------------------------------------------------------------------------


def _register_keys(sub: Any) -> None:
    keys = sub.add_parser(
        "keys",
        help="the issuer's Ed25519 signing key pair",
        description="Create or show the issuer key pair. Keys live outside the repository: "
        "$ZHIZAO_KEY_DIR or ~/.config/zhizao/keys.",
    )
    actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create a key pair (private key mode 0600)")
    init.add_argument("--dir", type=Path, help=f"key folder (default {default_key_dir()})")
    init.add_argument("--force", action="store_true", help="replace an existing key pair")
    init.set_defaults(handler=_keys_init)
    show = actions.add_parser("show", help="print the public key and its fingerprint")
    show.add_argument("--dir", type=Path, help="key folder")
    show.set_defaults(handler=_keys_show)


def _keys_init(args: argparse.Namespace) -> int:
    try:
        private, public, fingerprint = init_keys(args.dir, force=args.force)
    except (KeyProblem, OSError) as exc:
        return fail(str(exc))
    print(f"private key: {private} (mode 0600; never share or commit it)")
    print(f"public key:  {public}")
    print(f"fingerprint: {fingerprint}")
    return 0


def _keys_show(args: argparse.Namespace) -> int:
    try:
        key = load_public_key((args.dir or default_key_dir()) / PUBLIC_NAME)
    except KeyProblem as exc:
        return fail(str(exc))
    print(f"fingerprint: {fingerprint(key)}")
    sys.stdout.write(public_pem(key).decode("ascii"))
    return 0


# --- scoring an answers file --------------------------------------------------------------------


def _score_file(
    path: Path, activity: CarbonResult | None
) -> tuple[Standard, Result, dict[str, Any]] | None:
    """Score an answers file like `zhizao score`; print the problems and return None on error."""
    library = bundled_library()
    try:
        data = parse_file(path).data
    except DocumentError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return None
    if not isinstance(data, dict) or not data.get("standard"):
        fail(f"{path}: expected a mapping with `standard` and `answers`")
        return None
    try:
        standard = library.standard(str(data["standard"]))
    except KeyError as exc:
        fail(f"{path}: {exc.args[0]}")
        return None
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    try:
        answers = parse_answers(data, standard, scales)
    except AnswerError as exc:
        for problem in exc.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        return None
    derived = green_figures(activity) if activity is not None else {}
    return standard, score(standard, answers, scales, derived=derived), data


def _read_activity(path: Path | None) -> tuple[bool, CarbonResult | None]:
    if path is None:
        return True, None
    carbon, problems = read_carbon(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    return carbon is not None, carbon


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date YYYY-MM-DD") from exc


# --- cert -------------------------------------------------------------------------------------


def _register_cert(sub: Any) -> None:
    cert = sub.add_parser(
        "cert",
        help="certificate records, signed certificate PDFs and their verification",
        description="Build a certificate record from an evaluator-reviewed answers file, render "
        "it as a signed PDF, and verify a certificate PDF offline. See docs/certificates.md.",
    )
    actions = cert.add_subparsers(dest="action", metavar="ACTION", required=True)

    rec = actions.add_parser("record", help="certificate record (JSON) from reviewed answers")
    rec.add_argument("answers", type=Path, help="the evaluator-reviewed answers file")
    rec.add_argument("--credit-code", required=True, help="统一社会信用代码 (18 characters)")
    rec.add_argument("--reviewed-by", required=True, help="the evaluator who reviewed the answers")
    rec.add_argument("--firm", help="firm name (default: `firm` in the answers file)")
    rec.add_argument("--issued", type=_date, help="issue date YYYY-MM-DD (default: today)")
    rec.add_argument("--number", help="certificate number (default: a new random one)")
    rec.add_argument("--base-url", help="verification base URL (default: $ZHIZAO_BASE_URL)")
    rec.add_argument("--key-dir", type=Path, help="issuer key folder (its fingerprint is recorded)")
    rec.add_argument("--activity", type=Path, help="energy data for carbon-computed items")
    rec.add_argument("--out", type=Path, required=True, help="record file to write (JSON)")
    rec.set_defaults(handler=_cert_record)

    render = actions.add_parser("render", help="sign a record and render the certificate PDF")
    render.add_argument("record", type=Path, help="certificate record (JSON)")
    render.add_argument("--key-dir", type=Path, help="issuer key folder")
    render.add_argument("--out", type=Path, required=True, help="PDF file to write")
    render.set_defaults(handler=_cert_render)

    verify = actions.add_parser(
        "verify", help="verify a certificate PDF offline (exit 0 valid, 1 not)"
    )
    verify.add_argument("pdf", type=Path, help="certificate PDF")
    verify.add_argument(
        "--public-key",
        type=Path,
        action="append",
        default=[],
        help="trusted issuer public key (PEM); repeatable. Default: the key folder's public key",
    )
    verify.add_argument("--key-dir", type=Path, help="key folder whose public key is trusted")
    verify.add_argument("--on", type=_date, help="check validity on this date (default: today)")
    verify.add_argument(
        "--revoked", type=Path, help="published revocation list: one `NUMBER [reason]` a line"
    )
    verify.add_argument(
        "--db",
        action="store_true",
        help="also check the issuer's registry: the certificates table of $DATABASE_URL "
        "(default data/zhizao.sqlite) — unknown, revoked or altered records fail",
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=_cert_verify)


def _cert_record(args: argparse.Namespace) -> int:
    ok, carbon = _read_activity(args.activity)
    if not ok:
        return 1
    scored = _score_file(args.answers, carbon)
    if scored is None:
        return 1
    standard, result, data = scored
    firm = args.firm or data.get("firm")
    if not firm:
        return fail(f"{args.answers}: no `firm` in the file; pass --firm NAME")
    try:
        key = load_private_key(args.key_dir)
        record = record_from_result(
            result,
            standard,
            firm_name=str(firm),
            credit_code=args.credit_code,
            issued_on=args.issued or dt.date.today(),
            reviewed_by=args.reviewed_by,
            issuer_key_fingerprint=key.fingerprint,
            number=args.number,
            verify_base_url=args.base_url,
        )
    except (KeyProblem, RecordError) as exc:
        return fail(str(exc))
    text = json.dumps(record.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"record {record.number} → {args.out}")
    if not record.validity_official:
        print(
            f"note: {standard.id} declares no certificate validity; using the platform default "
            f"of {record.validity_years} years (marked unofficial on the certificate)"
        )
    return 0


def _cert_render(args: argparse.Namespace) -> int:
    try:
        data = json.loads(args.record.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return fail(f"{args.record}: {exc}")
    if not isinstance(data, dict):
        return fail(f"{args.record}: expected a JSON object")
    try:
        record = CertificateRecord.from_dict(data)
        key = load_private_key(args.key_dir)
        pdf = render_certificate(sign_record(record, key))
    except (
        RecordError,
        KeyProblem,
        EnvelopeError,
        MissingGlyphError,
        LayoutError,
        FontError,
    ) as exc:
        return fail(f"{args.record}: {exc}")
    args.out.write_bytes(pdf)
    print(f"certificate {record.number} → {args.out} ({len(pdf):,} bytes)")
    print(f"verify: {record.verify_url}")
    print(f"signed by key {key.fingerprint}")
    return 0


def _cert_verify(args: argparse.Namespace) -> int:
    try:
        pdf = args.pdf.read_bytes()
    except OSError as exc:
        return fail(f"{args.pdf}: {exc.strerror or exc}")
    paths: list[Path] = list(args.public_key)
    if not paths:
        folder = args.key_dir or default_key_dir()
        if (folder / PUBLIC_NAME).is_file():
            paths.append(folder / PUBLIC_NAME)
    try:
        keys = [load_public_key(p) for p in paths]
    except KeyProblem as exc:
        return fail(str(exc))
    registry = None
    if args.revoked is not None:
        try:
            registry = revocation_list(args.revoked.read_text(encoding="utf-8"))
        except OSError as exc:
            return fail(f"{args.revoked}: {exc.strerror or exc}")
    database = None
    if args.db:
        if registry is not None:
            return fail("give either --revoked FILE or --db, not both")
        try:
            database = open_database(migrate=False)
        except SQLAlchemyError as exc:
            return fail(f"cannot open the database ({exc.__class__.__name__}: {exc})")
        registry = database_registry(database)
    try:
        verdict = verify_pdf(pdf, keys, on=args.on or dt.date.today(), registry=registry)
    except SQLAlchemyError as exc:
        return fail(f"cannot read the certificates table ({exc.__class__.__name__})")
    finally:
        if database is not None:
            database.dispose()
    if args.json:
        print_json(
            {
                "ok": verdict.ok,
                "reason": verdict.reason,
                "message": verdict.message,
                "key_fingerprint": verdict.key_fingerprint,
                "record": verdict.record.to_dict() if verdict.record else None,
            }
        )
        return 0 if verdict.ok else 1
    stream = sys.stdout if verdict.ok else sys.stderr
    print(
        f"{'VALID' if verdict.ok else 'INVALID'} ({verdict.reason}): {verdict.message}", file=stream
    )
    record = verdict.record
    if record is not None:
        tier = (
            f"level {record.level}"
            if record.level is not None
            else f"{record.tier_name_zh or '—'} {record.tier_name_en or ''}".strip()
        )
        print(f"  number:    {record.number}", file=stream)
        print(f"  firm:      {record.firm_name} ({record.credit_code})", file=stream)
        print(
            f"  standard:  {record.standard_id} {record.standard_edition} · {record.standard_title_zh}",
            file=stream,
        )
        print(f"  result:    {tier} · score {record.score:g} / {record.max_score:g}", file=stream)
        validity = "" if record.validity_official else " (platform default validity, unofficial)"
        print(
            f"  valid:     {record.issued_on} → {record.expires_on}{validity}",
            file=stream,
        )
        print(f"  reviewed:  {record.reviewed_by}", file=stream)
        print(f"  key:       {verdict.key_fingerprint}", file=stream)
        if registry is None:
            print(
                "  note:      revocation not checked (no registry; pass --db or --revoked FILE)",
                file=stream,
            )
    return 0 if verdict.ok else 1


# --- report -----------------------------------------------------------------------------------


def _register_report(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="assessment report PDFs",
        description="Export the assessment report of an answers file. Without --evaluated the "
        "report is a self-assessment: titled and watermarked 自评结果，仅供参考.",
    )
    actions = report.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="render the report PDF of an answers file")
    export.add_argument("answers", type=Path, help="the firm's self-assessment answers")
    export.add_argument("--evaluated", type=Path, help="the evaluator-reviewed answers")
    export.add_argument("--activity", type=Path, help="energy data: carbon summary and figures")
    export.add_argument("--benchmark", type=Path, help="benchmark position (JSON object)")
    export.add_argument("--firm", help="firm name (default: `firm` in the answers file)")
    export.add_argument("--credit-code", help="统一社会信用代码")
    export.add_argument("--reviewed-by", help="the evaluator (with --evaluated)")
    export.add_argument("--certificate-number", help="the certificate issued for this result")
    export.add_argument("--date", type=_date, help="report date (default: today)")
    export.add_argument("--out", type=Path, required=True, help="PDF file to write")
    export.set_defaults(handler=_report_export)


def _report_export(args: argparse.Namespace) -> int:
    if args.evaluated is None and (args.reviewed_by or args.certificate_number):
        return fail(
            "--reviewed-by and --certificate-number need --evaluated: a self-assessment has neither"
        )
    ok, carbon = _read_activity(args.activity)
    if not ok:
        return 1
    scored = _score_file(args.answers, carbon)
    if scored is None:
        return 1
    standard, self_result, data = scored
    evaluated = None
    if args.evaluated is not None:
        other = _score_file(args.evaluated, carbon)
        if other is None:
            return 1
        if other[0].id != standard.id:
            return fail(f"{args.evaluated}: answers for {other[0].id}, not {standard.id}")
        evaluated = other[1]
    benchmark = None
    if args.benchmark is not None:
        try:
            benchmark = json.loads(args.benchmark.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return fail(f"{args.benchmark}: {exc}")
        if not isinstance(benchmark, dict):
            return fail(f"{args.benchmark}: expected a JSON object")
    firm = args.firm or data.get("firm")
    if not firm:
        return fail(f"{args.answers}: no `firm` in the file; pass --firm NAME")
    try:
        report = build_report_data(
            standard,
            self_result,
            evaluated=evaluated,
            firm_name=str(firm),
            credit_code=args.credit_code,
            generated_on=args.date or dt.date.today(),
            carbon=carbon,
            benchmark=benchmark,
            certificate_number=args.certificate_number,
            reviewed_by=args.reviewed_by,
        )
        pdf = render_report(report)
    except (ValueError, FontError) as exc:
        return fail(str(exc))
    args.out.write_bytes(pdf)
    kind = "self-assessment (自评结果，仅供参考)" if report.is_self_assessment else "evaluated"
    print(f"{kind} report → {args.out} ({len(pdf):,} bytes)")
    return 0
