"""`zhizao keys …`, `zhizao cert …` and `zhizao report …`: signed certificates and reports.

On files: `cert record` / `cert render` (answers file → signed PDF), `report export ANSWERS`.
On the database (`$DATABASE_URL`, else data/zhizao.sqlite, or `--database-url`): `cert list`,
`cert issue SUBMISSION`, `cert export NUMBER`, `cert revoke NUMBER`, `report export SUBMISSION`.
These act as the local operator — an administrator without an account (`system:cli` in the audit
log) — or, with `--as EMAIL`, as that account, with its role and tenant limits.
`cert verify FILE.pdf` checks a PDF offline, and against the configured database when it exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from assessment.accounts.identity import normalise_email
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.envelope import EnvelopeError, sign_record
from assessment.certificates.issuer import (
    configured_issuer,
    issuer_from_key,
    rotate,
    trusted_certificates,
    trusted_public_keys,
)
from assessment.certificates.keys import (
    PRIVATE_NAME,
    PUBLIC_NAME,
    KeyProblem,
    default_key_dir,
    fingerprint,
    init_keys,
    load_private_key,
    load_public_key,
    public_pem,
)
from assessment.certificates.pdf import LayoutError
from assessment.certificates.pdf_identity import (
    CERT_NAME,
    IdentityProblem,
    PdfIdentity,
    certificate_fingerprint,
    certificates_in,
    create_self_signed,
    has_identity,
    install_identity,
    load_identity,
    read_identity,
    subject_text,
)
from assessment.certificates.pdf_signature import SIGNED, UNSIGNED, PdfSignatureCheck
from assessment.certificates.record import (
    CertificateRecord,
    RecordError,
    default_issuer,
    record_from_result,
)
from assessment.certificates.registry import database_registry
from assessment.certificates.revocations import (
    RevocationListError,
    build_revocation_list,
    read_revocation_list,
    revoked_in,
)
from assessment.certificates.verify import revocation_list, verify_pdf
from assessment.cli.carbon import read_carbon
from assessment.cli.db import add_database_option, open_from_args, shown_url
from assessment.cli.output import fail, print_json
from assessment.errors import LifecycleError
from assessment.pdf.fonts import FontError, MissingGlyphError
from assessment.reports.data import build_report_data
from assessment.reports.pdf import render_report
from assessment.storage.db import Database, database_url, open_database, utcnow
from assessment.storage.tables import User
from scoring import AnswerError, Result, parse_answers, score
from scoring.carbon import CarbonResult, green_figures
from standards import DocumentError, Standard, bundled_library
from standards.problems import Problem
from standards.yamlsafe import parse_file, parse_json


def register(sub: Any) -> None:
    _register_keys(sub)
    _register_cert(sub)
    _register_report(sub)


# --- keys -------------------------------------------------------------------------------------


def _register_keys(sub: Any) -> None:
    keys = sub.add_parser(
        "keys",
        help="the issuer's signing keys: Ed25519 for the record, an X.509 identity for the PDF",
        description="Create, import, rotate or show the issuer's keys. Keys live outside the "
        "repository: $ZHIZAO_KEY_DIR or ~/.config/zhizao/keys.",
    )
    actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the Ed25519 key pair and a self-signed issuer certificate for the PDF "
        "signature (private keys mode 0600); beside an existing key, only what is missing",
    )
    init.add_argument("--dir", type=Path, help=f"key folder (default {default_key_dir()})")
    init.add_argument("--force", action="store_true", help="replace existing keys (see rotate)")
    init.set_defaults(handler=_keys_init)
    imp = actions.add_parser(
        "import",
        help="install a key and certificate a CA issued, for the PDF signature",
        description="Give a PKCS#12 bundle (--pkcs12, password from the environment variable "
        "named by --password-env), or a PEM key (--key) and a PEM chain, signing certificate "
        "first (--cert). The Ed25519 record key stays as it is (created if missing).",
    )
    imp.add_argument("--dir", type=Path, help="key folder")
    _add_identity_options(imp)
    imp.set_defaults(handler=_keys_import)
    rot = actions.add_parser(
        "rotate",
        help="retire the current keys (kept for verification only) and create new ones",
        description="The outgoing public key and certificate stay trusted for verification; "
        "the outgoing private keys are deleted. With --pkcs12 or --key/--cert the new PDF "
        "certificate is that CA-issued one, otherwise a new self-signed one.",
    )
    rot.add_argument("--dir", type=Path, help="key folder")
    _add_identity_options(rot)
    rot.set_defaults(handler=_keys_rotate)
    show = actions.add_parser("show", help="print the public key, the certificate and fingerprints")
    show.add_argument("--dir", type=Path, help="key folder")
    show.set_defaults(handler=_keys_show)


def _print_identity(identity: PdfIdentity) -> None:
    cert = identity.certificate
    kind = "self-signed" if identity.self_signed else f"issued by {cert.issuer.rfc4514_string()}"
    print(f"certificate: {identity.folder / CERT_NAME} ({kind})")
    print(f"  subject:   {cert.subject.rfc4514_string()}")
    print(
        f"  valid:     {cert.not_valid_before_utc:%Y-%m-%d} → {cert.not_valid_after_utc:%Y-%m-%d}"
    )
    print(f"  sha256:    {identity.fingerprint}")


def _keys_init(args: argparse.Namespace) -> int:
    folder = (args.dir or default_key_dir()).expanduser()
    try:
        if (folder / PRIVATE_NAME).is_file() and not args.force:
            if has_identity(folder):
                return fail(
                    f"{folder} already holds the issuer's keys and certificate; "
                    "`zhizao keys rotate` replaces them and keeps the old ones trusted for "
                    "verification"
                )
            key = load_private_key(folder)
            print(f"private key: {key.path} (kept)")
            identity = create_self_signed(folder, default_issuer(), now=utcnow())
        else:
            private, public, made = init_keys(args.dir, force=args.force)
            print(f"private key: {private} (mode 0600; never share or commit it)")
            print(f"public key:  {public}")
            print(f"fingerprint: {made}")
            identity = load_identity(folder)
    except (KeyProblem, IdentityProblem, OSError) as exc:
        return fail(str(exc))
    _print_identity(identity)
    print("  a PDF reader shows it as not trusted until the reader trusts this certificate;")
    print("  a real issuer installs a CA-issued one with `zhizao keys import`")
    return 0


def _add_identity_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pkcs12", type=Path, help="PKCS#12 file (.p12/.pfx)")
    parser.add_argument(
        "--password-env", metavar="VAR", help="environment variable holding its password"
    )
    parser.add_argument(
        "--key", type=Path, help="PEM private key (unencrypted, or with --password-env)"
    )
    parser.add_argument(
        "--cert", type=Path, help="PEM certificate chain, signing certificate first"
    )


def _given_identity(args: argparse.Namespace, *, required: bool) -> Any:
    """The CA-issued key and chain the options name (read and checked, nothing written), or None
    when none is named and none is required. Raises IdentityProblem or ValueError (a message)."""
    if args.pkcs12 is None and args.key is None and args.cert is None:
        if required:
            raise ValueError("give either --pkcs12 FILE or --key FILE with --cert FILE")
        return None
    if args.pkcs12 is not None and (args.key is not None or args.cert is not None):
        raise ValueError("give either --pkcs12 FILE or --key FILE with --cert FILE, not both")
    if args.pkcs12 is None and (args.key is None or args.cert is None):
        raise ValueError("--key and --cert go together (the PEM key and its certificate chain)")
    password = None
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise ValueError(f"the environment variable {args.password_env} is not set")
        password = value.encode("utf-8")
    if args.pkcs12 is not None:
        return read_identity(
            now=utcnow(), pkcs12_data=args.pkcs12.read_bytes(), password=password,
            source=str(args.pkcs12),
        )  # fmt: skip
    return read_identity(
        now=utcnow(), key_pem=args.key.read_bytes(), chain_pem=args.cert.read_bytes(),
        password=password, source=str(args.cert),
    )  # fmt: skip


def _keys_import(args: argparse.Namespace) -> int:
    folder = (args.dir or default_key_dir()).expanduser()
    try:
        incoming = _given_identity(args, required=True)
        if not (folder / PRIVATE_NAME).is_file():
            private, _, made = init_keys(args.dir)
            print(f"private key: {private} (Ed25519 record key, new; fingerprint {made})")
        identity = install_identity(folder, *incoming)
    except (KeyProblem, IdentityProblem, ValueError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename}: {exc.strerror or exc}")
    _print_identity(identity)
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    folder = (args.dir or default_key_dir()).expanduser()
    try:
        incoming = _given_identity(args, required=False)  # checked before anything moves
        retired = rotate(args.dir, now=utcnow(), incoming=incoming)
        key = load_private_key(folder)
        identity = load_identity(folder)
    except (KeyProblem, IdentityProblem, ValueError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or folder}: {exc.strerror or exc}")
    print(f"retired:     {retired} (public key and certificate; trusted for verification only)")
    print("             the retired private keys were deleted: they never sign again")
    print(f"new key:     {key.path} (fingerprint {key.fingerprint})")
    _print_identity(identity)
    return 0


def _keys_show(args: argparse.Namespace) -> int:
    folder = (args.dir or default_key_dir()).expanduser()
    try:
        key = load_public_key(folder / PUBLIC_NAME)
    except KeyProblem as exc:
        return fail(str(exc))
    print(f"fingerprint: {fingerprint(key)}")
    sys.stdout.write(public_pem(key).decode("ascii"))
    current = None
    if has_identity(folder):
        try:
            current = load_identity(folder)
        except IdentityProblem as exc:
            return fail(str(exc))
        _print_identity(current)
    else:
        print(f"certificate: none in {folder}; `zhizao keys init` makes one")
    for cert in certificates_in(folder):
        if current is None or certificate_fingerprint(cert) != current.fingerprint:
            print(
                f"also trusted: {subject_text(cert)} · sha256 {certificate_fingerprint(cert)[:16]}… "
                "(retired: verification only)"
            )
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
    rec.add_argument("--base-url", help="verification base URL (default: $ZHIZAO_PUBLIC_URL)")
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
    verify.add_argument(
        "--on",
        type=_date,
        help="check validity on this date (default: today in China, UTC+8, as certificates "
        "state their dates)",
    )
    verify.add_argument(
        "--certificate",
        type=Path,
        action="append",
        default=[],
        help="trusted issuer certificate for the PDF signature (PEM); repeatable. Default: the "
        "key folder's certificates, current and retired",
    )
    verify.add_argument(
        "--revocations",
        type=Path,
        help="the issuer's signed revocation list (zhizao cert revocations; "
        "<public URL>/certificates/revocations.json): checks revocation without a database",
    )
    verify.add_argument(
        "--revoked", type=Path, help="an unsigned list instead: one `NUMBER [reason]` a line"
    )
    registry = verify.add_mutually_exclusive_group()
    registry.add_argument(
        "--db",
        action="store_true",
        help="require the issuer's registry: fail when the database does not exist (by default "
        "it is checked whenever $DATABASE_URL is set or data/zhizao.sqlite exists)",
    )
    registry.add_argument(
        "--offline", action="store_true", help="do not read any database (no revocation check)"
    )
    verify.add_argument(
        "--database-url", metavar="URL", help="the registry's database (default: $DATABASE_URL)"
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(handler=_cert_verify)

    revs = actions.add_parser(
        "revocations",
        help="write the signed revocation list of the database's registry",
        description="The list the app serves at <public URL>/certificates/revocations.json: "
        "every revoked certificate, signed with the issuer key, with its issue time and next "
        "update ($ZHIZAO_REVOCATIONS_HOURS, default 24).",
    )
    revs.add_argument("--out", type=Path, required=True, help="JSON file to write")
    revs.add_argument("--hours", type=int, help="hours until the next update")
    add_database_option(revs)
    revs.set_defaults(handler=_cert_revocations)

    listing = actions.add_parser(
        "list", help="certificates in the database (a firm's account sees its own)"
    )
    _add_actor_options(listing)
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    listing.set_defaults(handler=_cert_list)

    issue = actions.add_parser(
        "issue", help="issue the certificate of an approved submission (administrators)"
    )
    issue.add_argument("submission", type=int, metavar="SUBMISSION", help="submission id")
    issue.add_argument("--base-url", help="verification base URL (default: $ZHIZAO_PUBLIC_URL)")
    issue.add_argument("--out", type=Path, help="also write the certificate PDF here")
    _add_actor_options(issue)
    issue.set_defaults(handler=_cert_issue)

    export = actions.add_parser("export", help="the PDF of a stored certificate")
    export.add_argument("number", metavar="NUMBER", help="certificate number ZZ-XXXX-XXXX-XXXX")
    export.add_argument("--out", type=Path, required=True, help="PDF file to write")
    _add_actor_options(export)
    export.set_defaults(handler=_cert_export)

    revoke = actions.add_parser(
        "revoke", help="revoke one certificate now (administrators); the result stays approved"
    )
    revoke.add_argument("number", metavar="NUMBER", help="certificate number")
    revoke.add_argument("--reason", required=True, help="why (shown to the public check)")
    _add_actor_options(revoke)
    revoke.set_defaults(handler=_cert_revoke)


def _add_actor_options(parser: argparse.ArgumentParser) -> None:
    add_database_option(parser)
    parser.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="act as this account (default: the local operator, an administrator)",
    )


CLI_OPERATOR = Principal.system("cli")


def _actor(db: Database, email: str | None) -> Principal:
    """The local operator, or the active account with this email (LifecycleError otherwise)."""
    if email is None:
        return CLI_OPERATOR
    with db.read() as session:
        user = session.scalars(select(User).where(User.email == normalise_email(email))).first()
        if user is None or not user.active:
            raise LifecycleError(Problem((), "cli.no_active_account", {"email": email}))
        return Principal(user.id, Role(user.role), user.organisation_id, user.email)


def _cert_list(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        views = records.list_certificates(_actor(db, args.as_email), db)
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    rows = [certificates.certificate_json(v) for v in views]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no certificates")
        return 0
    for row in rows:
        status = str(row["status"])
        if status == "revoked":
            status += f" {row['revoked_on']} ({row['revoked_reason']})"
        print(
            f"{row['number']}  #{row['submission_id']:<4} {status:<7} "
            f"{row['issued_on']} → {row['expires_on']}  {row['firm_name']} · "
            f"{row['standard']} · {row['result'] or '—'} · {row['score']:g}/{row['max_score']:g}"
        )
    return 0


def _cert_issue(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        issued = certificates.issue_certificate(
            _actor(db, args.as_email), db, args.submission, base_url=args.base_url
        )
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    record = issued.record
    print(
        f"issued certificate {record.number} for submission {args.submission}: "
        f"{record.firm_name} · {record.standard_id} {record.standard_edition} · "
        f"{record.tier_name_zh or f'level {record.level}'} · score {record.score:g}"
    )
    validity = "" if record.validity_official else " (platform default validity, unofficial)"
    print(f"valid {record.issued_on} → {record.expires_on}{validity}")
    print(f"verify: {record.verify_url}")
    print(
        f"signed by key {record.issuer_key_fingerprint}" + (" (DEMO issuer)" if issued.demo else "")
    )
    if args.out is not None:
        args.out.write_bytes(issued.pdf)
        print(f"certificate → {args.out} ({len(issued.pdf):,} bytes)")
    return 0


def _cert_export(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        view, pdf = certificates.certificate_pdf(_actor(db, args.as_email), db, args.number)
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    args.out.write_bytes(pdf)
    print(
        f"certificate {view.number} (submission {view.submission_id}) → {args.out} ({len(pdf):,} bytes)"
    )
    return 0


def _cert_revoke(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        view = certificates.revoke_certificate(
            _actor(db, args.as_email), db, args.number, args.reason
        )
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    print(
        f"revoked certificate {view.number} (submission {view.submission_id}): {view.revoked_reason}"
    )
    print(
        f"submission {view.submission_id} stays approved; `zhizao cert issue "
        f"{view.submission_id}` issues a new certificate with a new number"
    )
    return 0


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
        data = parse_json(args.record.read_text(encoding="utf-8"), str(args.record))
    except OSError as exc:
        return fail(f"{args.record}: {exc}")
    except DocumentError as exc:
        return fail(str(exc))
    if not isinstance(data, dict):
        return fail(f"{args.record}: expected a JSON object")
    try:
        record = CertificateRecord.from_dict(data)
        key = load_private_key(args.key_dir)
        identity = issuer_from_key(key, record.issuer).require_identity()
        pdf = certificates.signed_file(sign_record(record, key), identity, record.issuer)
    except (
        RecordError,
        KeyProblem,
        IdentityProblem,
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
    print(
        f"PDF signed by {subject_text(identity.certificate)} (sha256 {identity.fingerprint[:16]}…)"
    )
    return 0


def _cert_revocations(args: argparse.Namespace) -> int:
    try:
        issuer = configured_issuer()
    except KeyProblem as exc:
        return fail(str(exc))
    if issuer is None:
        return fail(f"no issuer key in {default_key_dir()}: nothing can sign the list")
    db = open_from_args(args)
    try:
        revoked = revoked_in(db)
    finally:
        db.dispose()
    now = utcnow()
    body = build_revocation_list(revoked, issuer.key, issuer=issuer.name, now=now, hours=args.hours)
    args.out.write_bytes(body)
    listed = json.loads(json.loads(body)["list_json"])
    print(
        f"revocation list → {args.out}: {len(revoked)} revoked, issued {listed['issued_at']}, "
        f"next update {listed['next_update']}, signed by key {issuer.fingerprint[:16]}…"
    )
    return 0


def _pdf_line(check: PdfSignatureCheck | None) -> str:
    if check is None or check.status == UNSIGNED:
        return "none (the file is not signed as a PDF)"
    when = f", signed {check.signed_at:%Y-%m-%d %H:%M:%S %Z}" if check.signed_at else ""
    stamp = ", time-stamped" if check.timestamped else ""
    verdict = {
        SIGNED: "intact, covers the whole file, signer trusted",
        "broken": "BROKEN: the bytes do not match the signature",
        "modified_after_signing": "intact, but the file was changed after signing",
        "untrusted_signer": "intact, but the signer is not trusted here",
    }[check.status]
    return f"{verdict} · {check.signer}{when}{stamp}"


def _trust(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    """The Ed25519 keys and issuer certificates the check trusts."""
    paths: list[Path] = list(args.public_key)
    if not paths and args.key_dir is not None:
        paths.append(args.key_dir / PUBLIC_NAME)
    keys = [load_public_key(p) for p in paths] if paths else trusted_public_keys()
    if args.certificate:
        certs = []
        for path in args.certificate:
            try:
                certs.extend(x509.load_pem_x509_certificates(path.read_bytes())[:1])
            except (OSError, ValueError) as exc:
                raise IdentityProblem(
                    Problem(
                        (),
                        "certificates.identity_unreadable",
                        {"file": str(path), "detail": str(exc)},
                    )
                ) from None
    elif args.key_dir is not None:
        certs = certificates_in(args.key_dir)
    else:
        certs = trusted_certificates()
    return keys, certs


def _cert_verify(args: argparse.Namespace) -> int:
    try:
        pdf = args.pdf.read_bytes()
    except OSError as exc:
        return fail(f"{args.pdf}: {exc.strerror or exc}")
    try:
        keys, certs = _trust(args)
    except (KeyProblem, IdentityProblem) as exc:
        return fail(str(exc))
    registry = None
    registry_name = None
    lists = [a for a in (args.revocations, args.revoked) if a is not None]
    if len(lists) > 1 or (lists and (args.db or args.database_url)):
        return fail("give one of --revocations FILE, --revoked FILE or a database")
    if args.revocations is not None:
        try:
            published = read_revocation_list(
                args.revocations.read_bytes(), keys, now=utcnow(), source=str(args.revocations)
            )
        except OSError as exc:
            return fail(f"{args.revocations}: {exc.strerror or exc}")
        except RevocationListError as exc:
            return fail(str(exc))
        registry = published.registry()
        registry_name = (
            f"{args.revocations} (signed list of {published.issuer}, issued "
            f"{published.issued_at:%Y-%m-%d %H:%M} UTC, next update "
            f"{published.next_update:%Y-%m-%d %H:%M} UTC)"
        )
    if args.revoked is not None:
        try:
            registry = revocation_list(args.revoked.read_text(encoding="utf-8"))
        except OSError as exc:
            return fail(f"{args.revoked}: {exc.strerror or exc}")
        registry_name = f"{args.revoked} (unsigned list)"
    database = None
    url = None if args.offline or lists else _registry_url(args)
    if url is None and args.db:
        return fail(
            f"no database at {shown_url(args.database_url or database_url())}: nothing to check "
            "the certificate against (set $DATABASE_URL or --database-url)"
        )
    if url is not None:
        try:
            database = open_database(url, migrate=False)
        except SQLAlchemyError as exc:
            return fail(f"cannot open the database ({exc.__class__.__name__}: {exc})")
        registry = database_registry(database)
        registry_name = shown_url(url)
    try:
        verdict = verify_pdf(
            pdf,
            keys,
            trusted_certificates=certs,
            on=args.on or certificates.china_date(utcnow()),
            registry=registry,
        )
    except SQLAlchemyError as exc:
        return fail(f"cannot read the certificates table ({exc.__class__.__name__})")
    finally:
        if database is not None:
            database.dispose()
    pdf_check = verdict.pdf
    if args.json:
        print_json(
            {
                "ok": verdict.ok,
                "reason": verdict.reason,
                "message": verdict.message,
                "key_fingerprint": verdict.key_fingerprint,
                "record_signature": verdict.record_signed,
                "pdf_signature": None
                if pdf_check is None
                else {
                    "status": pdf_check.status,
                    "signer": pdf_check.signer,
                    "signer_sha256": pdf_check.signer_fingerprint,
                    "signed_at": pdf_check.signed_at.isoformat() if pdf_check.signed_at else None,
                    "reason": pdf_check.reason,
                    "timestamped": pdf_check.timestamped,
                },
                "registry": registry_name,
                "record": verdict.record.to_dict() if verdict.record else None,
            }
        )
        return 0 if verdict.ok else 1
    stream = sys.stdout if verdict.ok else sys.stderr
    print(
        f"{'VALID' if verdict.ok else 'INVALID'} ({verdict.reason}): {verdict.message}", file=stream
    )
    record = verdict.record
    if pdf_check is not None:
        print(f"  PDF:       {_pdf_line(pdf_check)}", file=stream)
    if record is not None:
        tier = (
            f"level {record.level}"
            if record.level is not None
            else f"{record.tier_name_zh or '—'} {record.tier_name_en or ''}".strip()
        )
        signed = "signature holds" if verdict.record_signed else "signature does NOT hold"
        print(f"  record:    {signed} (Ed25519, key {verdict.key_fingerprint})", file=stream)
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
        if registry is None:
            why = (
                "--offline"
                if args.offline
                else "no database here; set $DATABASE_URL, or pass --revocations FILE"
            )
            print(f"  note:      revocation not checked ({why})", file=stream)
        else:
            print(f"  registry:  {registry_name}", file=stream)
    return 0 if verdict.ok else 1


def _registry_url(args: argparse.Namespace) -> str | None:
    """The database to check against: --database-url, else $DATABASE_URL, else the embedded
    SQLite file — a SQLite file only when it exists (never created here)."""
    url: str = args.database_url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path in ("", ":memory:") or not Path(path).is_file():
            return None
    return url


# --- report -----------------------------------------------------------------------------------


def _register_report(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="assessment report PDFs",
        description="Export the assessment report of a stored submission, or of an answers "
        "file. A submission that is not approved, or a file without --evaluated, gets the "
        "self-assessment report: titled and watermarked 自评结果，仅供参考.",
    )
    actions = report.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export", help="render the report PDF of a submission (by id) or of an answers file"
    )
    export.add_argument(
        "answers",
        metavar="SUBMISSION|ANSWERS",
        help="a submission id (from the database), or the firm's self-assessment answers file",
    )
    export.add_argument("--evaluated", type=Path, help="the evaluator-reviewed answers")
    export.add_argument("--activity", type=Path, help="energy data: carbon summary and figures")
    export.add_argument("--benchmark", type=Path, help="benchmark position (JSON object)")
    export.add_argument("--firm", help="firm name (default: `firm` in the answers file)")
    export.add_argument("--credit-code", help="统一社会信用代码")
    export.add_argument("--reviewed-by", help="the evaluator (with --evaluated)")
    export.add_argument("--certificate-number", help="the certificate issued for this result")
    export.add_argument("--date", type=_date, help="report date (default: today)")
    export.add_argument("--out", type=Path, required=True, help="PDF file to write")
    _add_actor_options(export)
    export.set_defaults(handler=_report_export)


FILE_ONLY = ("evaluated", "activity", "firm", "credit_code", "reviewed_by", "certificate_number")


def _report_export(args: argparse.Namespace) -> int:
    if args.answers.isdigit() and not Path(args.answers).exists():
        return _report_from_database(args)
    if args.as_email is not None or args.database_url is not None:
        return fail(f"{args.answers}: --as and --database-url go with a submission id, not a file")
    args.answers = Path(args.answers)
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
            benchmark = parse_json(args.benchmark.read_text(encoding="utf-8"), str(args.benchmark))
        except OSError as exc:
            return fail(f"{args.benchmark}: {exc}")
        except DocumentError as exc:
            return fail(str(exc))
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


def _report_from_database(args: argparse.Namespace) -> int:
    given = [f"--{name.replace('_', '-')}" for name in FILE_ONLY if getattr(args, name)]
    if given:
        return fail(
            f"{', '.join(given)}: not with a submission id — the database holds its results, "
            "firm, evaluator, certificate and energy data"
        )
    benchmark = None
    if args.benchmark is not None:
        try:
            benchmark = parse_json(args.benchmark.read_text(encoding="utf-8"), str(args.benchmark))
        except OSError as exc:
            return fail(f"{args.benchmark}: {exc}")
        except DocumentError as exc:
            return fail(str(exc))
        if not isinstance(benchmark, dict):
            return fail(f"{args.benchmark}: expected a JSON object")
    db = open_from_args(args)
    try:
        made = certificates.report_pdf(
            _actor(db, args.as_email), db, int(args.answers), on=args.date, benchmark=benchmark
        )
    except LifecycleError as exc:
        return fail(str(exc))
    except (ValueError, FontError) as exc:
        return fail(f"submission {args.answers}: {exc}")
    finally:
        db.dispose()
    args.out.write_bytes(made.pdf)
    data = made.data
    kind = (
        "self-assessment (自评结果，仅供参考; not approved)"
        if data.is_self_assessment
        else "evaluated"
    )
    number = f", certificate {data.certificate_number}" if data.certificate_number else ""
    print(
        f"submission {made.submission_id} ({made.status}{number}): {kind} report → "
        f"{args.out} ({len(made.pdf):,} bytes)"
    )
    return 0
