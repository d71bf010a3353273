"""Shared fixtures data for the document tests: scored examples, a fixed test key, poppler calls."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import subprocess
import tempfile
from pathlib import Path

from conftest import require_tool
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessment.certificates.envelope import sign_record
from assessment.certificates.issue import signed_file
from assessment.certificates.keys import IssuerKey
from assessment.certificates.pdf_identity import PdfIdentity, create_self_signed
from assessment.certificates.record import CertificateRecord, record_from_result
from assessment.certificates.verify import Verdict, verify_pdf
from scoring import Result, parse_answers, score
from standards import Standard, bundled_library
from standards.yamlsafe import parse_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
FIRM = "宁波示例汽车零部件有限公司"
CREDIT_CODE = "91330200MA2H7K3X1B"  # well-formed (GB 32100-2015 check character), synthetic
NUMBER = "ZZ-7K3Q-M9XA-4TPW"
ISSUED = dt.date(2026, 11, 27)
BASE_URL = "https://zhizao.example.cn"

# TEST ONLY: a fixed Ed25519 key so that signatures, and so the PDFs, are deterministic.
TEST_KEY = IssuerKey(
    Ed25519PrivateKey.from_private_bytes(bytes(range(32))), Path("tests/fixed-test-key")
)
OTHER_KEY = IssuerKey(
    Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))), Path("tests/other-test-key")
)


@functools.cache
def identity_for_tests() -> PdfIdentity:
    """TEST ONLY: a P-256 key and self-signed certificate for the PDF signature, made once per
    run in a temporary folder (PDF signatures carry a signing time, so they differ per run)."""
    folder = Path(tempfile.mkdtemp(prefix="zhizao-test-identity-"))
    return create_self_signed(folder, "智造评估 zhizao", now=dt.datetime.now(dt.UTC))


def signed_certificate(record: CertificateRecord | None = None, key: IssuerKey = TEST_KEY) -> bytes:
    """A certificate file as issued: page and record, then the PDF signature."""
    return signed_file(
        sign_record(record or make_record(), key), identity_for_tests(), "智造评估 zhizao"
    )


def verify(pdf: bytes, keys: list[object], **options: object) -> Verdict:
    """`verify_pdf` trusting the test identity's certificate for the PDF signature."""
    return verify_pdf(
        pdf,
        keys,
        trusted_certificates=[identity_for_tests().certificate],
        **options,  # type: ignore[arg-type]
    )


@functools.cache
def ff_standard() -> Standard:
    return bundled_library().standard("zj-future-factory")


def scored(name: str) -> Result:
    library = bundled_library()
    data = parse_file(EXAMPLES / name).data
    standard = library.standard(str(data["standard"]))
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    return score(standard, parse_answers(data, standard, scales), scales)


@functools.cache
def self_result() -> Result:
    return scored("ff-discrete-smart-factory.yaml")


@functools.cache
def evaluated_result() -> Result:
    return scored("ff-discrete-smart-factory-evaluated.yaml")


def make_record(**changes: object) -> CertificateRecord:
    record = record_from_result(
        evaluated_result(),
        ff_standard(),
        firm_name=FIRM,
        credit_code=CREDIT_CODE,
        issued_on=ISSUED,
        reviewed_by="张评估（浙江示例评估中心）",
        issuer_key_fingerprint=TEST_KEY.fingerprint,
        number=NUMBER,
        verify_base_url=BASE_URL,
        issuer="智造评估 zhizao",
        default_years=3,
    )
    return dataclasses.replace(record, **changes) if changes else record  # type: ignore[arg-type]


def pdftotext(path: Path, *, layout: bool = False) -> str:
    tool = require_tool("pdftotext", "poppler-utils")
    args = [tool, "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdffonts(path: Path) -> list[list[str]]:
    """Rows of `pdffonts`: name, type, encoding, emb, sub, uni, object, generation."""
    tool = require_tool("pdffonts", "poppler-utils")
    out = subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def page_count(path: Path) -> int:
    tool = require_tool("pdfinfo", "poppler-utils")
    out = subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("Pages:"))
    return int(line.split()[1])
