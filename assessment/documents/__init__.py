"""Certificates and reports: PDFs that look official and that anyone can verify.

Pure data in (`CertificateRecord`, `ReportData`), deterministic PDF bytes out; no database here.
"""

from assessment.documents.certificate import LayoutError, render_certificate
from assessment.documents.envelope import EnvelopeError, SignedRecord, sign_record
from assessment.documents.fonts import FontError, MissingGlyphError, register_fonts
from assessment.documents.record import (
    CertificateRecord,
    ReceiptHashes,
    RecordError,
    new_certificate_number,
    record_from_result,
)
from assessment.documents.report import render_report
from assessment.documents.report_data import ReportData, build_report_data
from assessment.documents.signing import (
    IssuerKey,
    KeyProblem,
    default_key_dir,
    init_keys,
    load_private_key,
    load_public_key,
)
from assessment.documents.verify import (
    RegistryEntry,
    Verdict,
    revocation_list,
    verify_envelope,
    verify_pdf,
)

__all__ = [
    "CertificateRecord",
    "EnvelopeError",
    "FontError",
    "IssuerKey",
    "KeyProblem",
    "LayoutError",
    "MissingGlyphError",
    "ReceiptHashes",
    "RecordError",
    "RegistryEntry",
    "ReportData",
    "SignedRecord",
    "Verdict",
    "build_report_data",
    "default_key_dir",
    "init_keys",
    "load_private_key",
    "load_public_key",
    "new_certificate_number",
    "record_from_result",
    "register_fonts",
    "render_certificate",
    "render_report",
    "revocation_list",
    "sign_record",
    "verify_envelope",
    "verify_pdf",
]
