"""The PDF signature over a whole certificate file: every byte is covered, each kind of tampering is
rejected with its own reason, poppler's `pdfsig` agrees, and keys are kept apart and rotated
without breaking what they signed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from documents_support import (
    ISSUED,
    NUMBER,
    OTHER_KEY,
    TEST_KEY,
    identity_for_tests,
    make_record,
    signed_certificate,
    verify,
)
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from assessment.certificates import verify as v
from assessment.certificates.envelope import sign_record
from assessment.certificates.issue import signed_file
from assessment.certificates.issuer import rotate, trusted_certificates, trusted_public_keys
from assessment.certificates.keys import init_keys, load_private_key
from assessment.certificates.pdf import render_certificate
from assessment.certificates.pdf_identity import (
    IdentityProblem,
    create_self_signed,
    import_identity,
    load_identity,
)
from assessment.certificates.pdf_signature import SIGNED, attachments, check_pdf_signature
from assessment.certificates.record import DEMO_FLAG
from assessment.cli.main import main

OTHER_NUMBER = "ZZ-8M2D-QX4R-7HCW"


@pytest.fixture(scope="module")
def good() -> bytes:
    return signed_certificate()


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    tool = require_tool("pdfsig", "poppler-utils")
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def content_stream_offset(pdf: bytes) -> int:
    """Where the page's (compressed) content stream starts, in the file's bytes."""
    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0]
    contents = page.get_object().raw_get("/Contents")
    ref = contents if isinstance(contents, generic.IndirectObject) else contents[0]
    start = pdf.index(f"\n{ref.idnum} 0 obj".encode())
    return pdf.index(b"stream", start) + len(b"stream\n") + 20


def incremental(pdf: bytes, change: object) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_untouched_file_verifies_and_pdfsig_agrees(good: bytes, tmp_path: Path) -> None:
    verdict = verify(good, [TEST_KEY.public], on=ISSUED)
    assert verdict.ok, verdict.message
    assert verdict.record_signed
    assert verdict.pdf is not None
    assert verdict.pdf.status == SIGNED
    assert verdict.pdf.signer == "智造评估 zhizao"
    assert verdict.pdf.signed_at is not None
    assert "both signatures" in verdict.message
    report = pdfsig(good, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES
    assert "Signer Certificate Common Name: 智造评估 zhizao" in report


def test_a_flipped_byte_in_the_page_breaks_the_pdf_signature(good: bytes, tmp_path: Path) -> None:
    at = content_stream_offset(good)
    tampered = bytearray(good)
    tampered[at] ^= 0x01
    verdict = verify(bytes(tampered), [TEST_KEY.public], on=ISSUED)
    assert not verdict.ok
    assert verdict.reason == v.PDF_BROKEN
    assert verdict.record_signed  # the record itself is untouched: the page is what changed
    report = pdfsig(bytes(tampered), tmp_path)
    assert "Signature is Valid" not in report
    assert "Signature Validation: Digest Mismatch." in report


def test_a_flipped_byte_in_the_record_breaks_the_record(good: bytes) -> None:
    marker = f'\\"number\\":\\"{NUMBER}\\"'.encode()
    at = good.index(marker) + len(marker) - 4
    tampered = good[:at] + (b"9" if good[at : at + 1] != b"9" else b"8") + good[at + 1 :]
    assert len(tampered) == len(good)
    verdict = verify(tampered, [TEST_KEY.public], on=ISSUED)
    assert verdict.reason == v.BAD_SIGNATURE
    assert not verdict.record_signed


def test_an_update_appended_after_signing_is_a_modification(good: bytes, tmp_path: Path) -> None:
    def paint_a_higher_tier(writer: IncrementalPdfFileWriter) -> None:
        font = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Font"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
                generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
            }
        )
        resources = generic.DictionaryObject(
            {generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/Fz"): font})}
        )
        drawing = b"1 1 1 rg 250 256 340 36 re f 0.8 0 0 rg BT /Fz 24 Tf 330 265 Td (Future factory) Tj ET"
        ref = writer.add_object(generic.StreamObject(stream_data=drawing))
        writer.add_stream_to_page(0, ref, resources=resources)

    tampered = incremental(good, paint_a_higher_tier)
    verdict = verify(tampered, [TEST_KEY.public], on=ISSUED)
    assert not verdict.ok
    assert verdict.reason == v.PDF_MODIFIED
    assert verdict.record_signed
    report = pdfsig(tampered, tmp_path)
    assert "Total document signed" not in report  # poppler sees it too: the signature is partial


def test_a_swapped_record_is_named_as_such(good: bytes) -> None:
    other = signed_certificate(make_record(number=OTHER_NUMBER, firm_name="温州另一家有限公司"))
    other_envelope = next(d for d in attachments(other) if b"zhizao.signed-certificate/" in d)

    def swap(writer: IncrementalPdfFileWriter) -> None:
        names = writer.root["/Names"]
        spec = names["/EmbeddedFiles"]["/Names"][1].get_object()
        stream = generic.StreamObject(
            {generic.pdf_name("/Type"): generic.pdf_name("/EmbeddedFile")},
            stream_data=other_envelope,
        )
        spec["/EF"] = generic.DictionaryObject({generic.pdf_name("/F"): writer.add_object(stream)})
        writer.update_container(names)

    tampered = incremental(good, swap)
    verdict = verify(tampered, [TEST_KEY.public], on=ISSUED)
    assert verdict.reason == v.RECORD_REPLACED
    assert verdict.record is not None
    assert verdict.record.number == OTHER_NUMBER  # what the reader would be shown


def test_unsigned_and_foreign_signed_files_fail(good: bytes, tmp_path: Path) -> None:
    unsigned = render_certificate(sign_record(make_record(), TEST_KEY))
    assert verify(unsigned, [TEST_KEY.public], on=ISSUED).reason == v.PDF_UNSIGNED
    stranger = create_self_signed(
        tmp_path / "stranger", "智造评估 zhizao", now=dt.datetime.now(dt.UTC)
    )
    foreign = signed_file(sign_record(make_record(), TEST_KEY), stranger, "智造评估 zhizao")
    verdict = verify(foreign, [TEST_KEY.public], on=ISSUED)
    assert verdict.reason == v.PDF_UNTRUSTED  # same name, another certificate: pinned, not named
    # the record check comes first: a record key nobody trusts fails before the PDF is looked at
    assert verify(good, [OTHER_KEY.public], on=ISSUED).reason == v.UNTRUSTED_KEY


def test_rotation_keeps_old_certificates_verifiable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "keys"
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(folder))
    monkeypatch.setenv("ZHIZAO_DATA_DIR", str(tmp_path / "data"))
    init_keys(folder)
    old_key = load_private_key(folder)
    record = make_record(issuer_key_fingerprint=old_key.fingerprint)
    old_pdf = signed_file(sign_record(record, old_key), load_identity(folder), record.issuer)
    retired = rotate(folder, now=dt.datetime.now(dt.UTC))
    assert not (retired / "issuer-ed25519.pem").exists()  # a retired key never signs again
    assert not (retired / "issuer-pdf.key.pem").exists()
    new_key = load_private_key(folder)
    assert new_key.fingerprint != old_key.fingerprint
    keys, certs = trusted_public_keys(), trusted_certificates()
    assert len(keys) == 2
    assert len(certs) == 2
    verdict = v.verify_pdf(old_pdf, keys, trusted_certificates=certs, on=ISSUED)
    assert verdict.ok, verdict.message
    fresh = make_record(number=OTHER_NUMBER, issuer_key_fingerprint=new_key.fingerprint)
    new_pdf = signed_file(sign_record(fresh, new_key), load_identity(folder), fresh.issuer)
    assert v.verify_pdf(new_pdf, keys, trusted_certificates=certs, on=ISSUED).ok


def _ca_issued(tmp_path: Path) -> tuple[bytes, ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A PKCS#12 bundle as a CA would hand it out: key, issuer certificate, CA certificate."""
    now = dt.datetime.now(dt.UTC)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("测试 CA"))
        .issuer_name(name("测试 CA"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("浙江省示例评估中心"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(usage, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    bundle = pkcs12.serialize_key_and_certificates(
        b"issuer", key, leaf, [ca], serialization.BestAvailableEncryption(b"s3cret")
    )
    return bundle, key, leaf


def test_a_ca_issued_certificate_signs_and_verifies(tmp_path: Path) -> None:
    bundle, _, leaf = _ca_issued(tmp_path)
    folder = tmp_path / "ca-keys"
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(IdentityProblem, match="does not read"):
        import_identity(folder, now=now, pkcs12_data=bundle, password=b"wrong", source="x.p12")
    identity = import_identity(
        folder, now=now, pkcs12_data=bundle, password=b"s3cret", source="x.p12"
    )
    assert not identity.self_signed
    assert len(identity.chain) == 2
    pdf = signed_file(sign_record(make_record(), TEST_KEY), identity, "浙江省示例评估中心")
    check = check_pdf_signature(pdf, [leaf])
    assert check.status == SIGNED
    assert check.signer == "浙江省示例评估中心"
    # a key that is not the certificate's is refused
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(IdentityProblem, match="does not belong"):
        import_identity(
            tmp_path / "mismatch", now=now,
            key_pem=stranger.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            chain_pem=leaf.public_bytes(serialization.Encoding.PEM), source="chain.pem",
        )  # fmt: skip


def test_the_demo_reason_and_page_say_demo(tmp_path: Path) -> None:
    record = make_record()
    demo = dataclasses.replace(record, unofficial=(*record.unofficial, DEMO_FLAG))
    pdf = signed_file(sign_record(demo, TEST_KEY), identity_for_tests(), "智造评估演示签发")
    check = check_pdf_signature(pdf, [identity_for_tests().certificate])
    assert check.reason is not None
    assert check.reason.startswith("示例证书 DEMO")
    path = tmp_path / "demo.pdf"
    path.write_bytes(pdf)
    tool = require_tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "示例证书 · 演示密钥签发" in text


def test_cli_import_rotate_and_verify_across_the_rotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "keys"
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(folder))
    monkeypatch.setenv("ZHIZAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "https://zhizao.example.cn")
    monkeypatch.setenv("TEST_P12_PASSWORD", "s3cret")
    bundle, _, _ = _ca_issued(tmp_path)
    (tmp_path / "issuer.p12").write_bytes(bundle)
    p12 = ["--pkcs12", str(tmp_path / "issuer.p12")]
    assert main(["keys", "import", *p12]) == 1  # no password given: refused, nothing written
    assert "does not read" in capsys.readouterr().err
    assert not folder.exists()
    assert main(["keys", "import", *p12, "--password-env", "TEST_P12_PASSWORD"]) == 0
    out = capsys.readouterr().out
    assert "issued by CN=测试 CA" in out
    assert "PRIVATE KEY" not in out
    record = make_record(issuer_key_fingerprint=load_private_key(folder).fingerprint)
    (tmp_path / "record.json").write_text(json.dumps(record.to_dict()), encoding="utf-8")
    old = tmp_path / "old.pdf"
    assert main(["cert", "render", str(tmp_path / "record.json"), "--out", str(old)]) == 0
    assert "PDF signed by 浙江省示例评估中心" in capsys.readouterr().out
    verify_args = ["cert", "verify", str(old), "--offline", "--on", ISSUED.isoformat()]
    assert main(verify_args) == 0
    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert "retired private keys were deleted" in out
    assert "(self-signed)" in out
    assert main(verify_args) == 0  # the retired key and certificate still vouch for it
    assert "VALID (valid)" in capsys.readouterr().out
    assert main(["keys", "show"]) == 0
    assert "also trusted: 浙江省示例评估中心" in capsys.readouterr().out
