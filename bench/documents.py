"""Certificate and report rendering speed, printed next to the issue's targets.

    .venv/bin/python bench/documents.py            # default: 30 certificates, 10 reports
    .venv/bin/python bench/documents.py --runs 5   # a quick look

Targets: a certificate file — record signed, page rendered, whole file signed (PAdES) — in under
300 ms; the full future-factory report (self-assessed and evaluated answers, every item, chart,
gaps, provenance, receipts) in under 1.5 s; the font is registered once per process (the first call
pays for reading the 5 MB font, later calls are free). Timings are wall-clock medians after one
warm-up render; the load average is printed alongside.

The database leg seeds the demo (no cohort) into a temporary SQLite file and times issuing the
approved demo submission's certificate with a demo issuer (one write transaction: read, sign,
render, PDF signature, insert, audit; revoked again between runs), < 300 ms, and exporting it from
the registry (the stored file), < 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path and bench/scoring.py would shadow the
# `scoring` package: look the packages up from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from assessment import submissions  # noqa: E402
from assessment.certificates.envelope import sign_record  # noqa: E402
from assessment.certificates.issue import signed_file  # noqa: E402
from assessment.certificates.issuer import DEMO_ISSUER, Issuer  # noqa: E402
from assessment.certificates.keys import IssuerKey  # noqa: E402
from assessment.certificates.pdf_identity import PdfIdentity, create_self_signed  # noqa: E402
from assessment.certificates.record import record_from_result  # noqa: E402
from assessment.pdf.fonts import register_fonts  # noqa: E402
from assessment.reports.data import build_report_data  # noqa: E402
from assessment.reports.pdf import render_report  # noqa: E402
from scoring import parse_answers, score  # noqa: E402
from standards import bundled_library  # noqa: E402
from standards.yamlsafe import parse_file  # noqa: E402

CERT_TARGET_MS = 300.0
EXPORT_TARGET_MS = 200.0
REPORT_TARGET_MS = 1500.0


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="certificates to time")
    parser.add_argument("--report-runs", type=int, default=10, help="reports to time")
    args = parser.parse_args(argv)
    print(
        f"zhizao documents bench · Python {platform.python_version()} · {platform.machine()}"
        f" · {os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f}"
    )

    start = time.perf_counter()
    first = register_fonts()
    first_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    again = register_fonts()
    again_ms = (time.perf_counter() - start) * 1000
    once = first is again
    print(
        f"font registration: first {first_ms:.0f} ms, second {again_ms:.3f} ms "
        f"({'registered once' if once else 'REGISTERED TWICE'}; {first.path.name})"
    )

    library = bundled_library()
    standard = library.standard("zj-future-factory")
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}

    def scored(name: str):  # type: ignore[no-untyped-def]
        data = parse_file(ROOT / "examples" / name).data
        return score(standard, parse_answers(data, standard, scales), scales)

    self_result = scored("ff-discrete-smart-factory.yaml")
    evaluated = scored("ff-discrete-smart-factory-evaluated.yaml")
    key = IssuerKey(Ed25519PrivateKey.generate(), Path("bench-throwaway-key"))
    record = record_from_result(
        evaluated,
        standard,
        firm_name="宁波示例汽车零部件有限公司",
        credit_code="91330200MA2H7K3X1B",
        issued_on=dt.date(2026, 11, 27),
        reviewed_by="张评估",
        issuer_key_fingerprint=key.fingerprint,
    )

    import tempfile  # noqa: PLC0415

    identity = create_self_signed(
        Path(tempfile.mkdtemp(prefix="zhizao-bench-identity-")), DEMO_ISSUER,
        now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    signed_file(sign_record(record, key), identity, DEMO_ISSUER)  # warm-up: subset, imports
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        pdf = signed_file(sign_record(record, key), identity, DEMO_ISSUER)
        samples.append(time.perf_counter() - start)
    cert_ms = _median_ms(samples)
    print(
        f"certificate (sign record + render + PDF signature, 1 page, {len(pdf) / 1024:.0f} KiB): "
        f"median {cert_ms:.0f} ms, "
        f"max {max(samples) * 1000:.0f} ms over {args.runs} · target < {CERT_TARGET_MS:.0f} ms "
        f"{'OK' if cert_ms < CERT_TARGET_MS else 'SLOW'}"
    )

    def full_report() -> bytes:
        data = build_report_data(
            standard,
            self_result,
            evaluated=evaluated,
            firm_name="宁波示例汽车零部件有限公司",
            credit_code="91330200MA2H7K3X1B",
            generated_on=dt.date(2026, 11, 27),
            reviewed_by="张评估",
            benchmark={"cohort": "C36 · 浙江 · 中型", "percentile": 63},
        )
        return render_report(data)

    full_report()
    samples = []
    for _ in range(args.report_runs):
        start = time.perf_counter()
        pdf = full_report()
        samples.append(time.perf_counter() - start)
    report_ms = _median_ms(samples)
    print(
        f"future-factory report (build data + render, {len(evaluated.items)} items, "
        f"{len(pdf) / 1024:.0f} KiB): median {report_ms:.0f} ms, max {max(samples) * 1000:.0f} ms "
        f"over {args.report_runs} · target < {REPORT_TARGET_MS:.0f} ms "
        f"{'OK' if report_ms < REPORT_TARGET_MS else 'SLOW'}"
    )
    issue_ms, export_ms = _database_leg(key, identity, max(3, args.runs // 3))
    fast = max(cert_ms, issue_ms) < CERT_TARGET_MS and export_ms < EXPORT_TARGET_MS
    return 0 if once and fast and report_ms < REPORT_TARGET_MS else 1


def _database_leg(key: IssuerKey, identity: PdfIdentity, runs: int) -> tuple[float, float]:
    """Issue and export through the services, on a throw-away SQLite demo database."""
    import tempfile  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="zhizao-bench-"))
    os.environ["ZHIZAO_KEY_DIR"] = str(folder / "no-keys")  # no key: seeding issues nothing
    os.environ["ZHIZAO_DATA_DIR"] = str(folder / "data")
    from assessment.accounts import identity as accounts_identity  # noqa: PLC0415
    from assessment.accounts.principal import Principal  # noqa: PLC0415
    from assessment.certificates import issue as certificates  # noqa: PLC0415
    from assessment.demo.seed import seed_demo  # noqa: PLC0415
    from assessment.storage.db import open_database  # noqa: PLC0415

    accounts_identity.SCRYPT_N = 2**10  # throw-away accounts
    db = open_database(f"sqlite:///{folder / 'bench.sqlite'}")
    seed_demo(db, cohort_size=0)
    admin = Principal.system("bench")
    (sid,) = [s.id for s in submissions.list_submissions(admin, db) if s.status == "approved"]
    issuer = Issuer(key, DEMO_ISSUER, demo=True, identity=identity)  # the demo firms' issuer
    issue_samples, export_samples = [], []
    for _ in range(runs + 1):  # the first run warms up
        start = time.perf_counter()
        issued = certificates.issue_certificate(admin, db, sid, keys=issuer)
        issue_samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        certificates.certificate_pdf(admin, db, issued.record.number)
        export_samples.append(time.perf_counter() - start)
        certificates.revoke_certificate(admin, db, issued.record.number, "bench")
    db.dispose()
    issue_ms, export_ms = _median_ms(issue_samples[1:]), _median_ms(export_samples[1:])
    for what, ms, samples, target in (
        ("issue from the database (SQLite; read, sign, render, PDF signature, insert, audit)",
         issue_ms, issue_samples[1:], CERT_TARGET_MS),
        ("export from the registry (the stored, signed file)", export_ms, export_samples[1:],
         EXPORT_TARGET_MS),
    ):  # fmt: skip
        print(
            f"{what}: median {ms:.0f} ms, max {max(samples) * 1000:.0f} ms over {runs} · target "
            f"< {target:.0f} ms {'OK' if ms < target else 'SLOW'}"
        )
    return issue_ms, export_ms


if __name__ == "__main__":
    sys.exit(main())
