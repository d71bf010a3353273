"""Certificates: records, signatures, keys, fonts, escaping, and the PDFs read back with poppler."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from documents_support import (
    CREDIT_CODE,
    FIRM,
    GOLDEN,
    ISSUED,
    NUMBER,
    OTHER_KEY,
    ROOT,
    TEST_KEY,
    evaluated_result,
    ff_standard,
    make_record,
    page_count,
    pdffonts,
    pdftotext,
    signed_certificate,
    verify,
)

from assessment.accounts.classifications import credit_code_check_char, credit_code_problem
from assessment.certificates import verify as v
from assessment.certificates.envelope import ATTACHMENT_NAME, sign_record
from assessment.certificates.keys import KeyProblem, init_keys, load_private_key
from assessment.certificates.pdf import render_certificate
from assessment.certificates.record import (
    CertificateRecord,
    RecordError,
    add_years,
    new_certificate_number,
    record_from_result,
)
from assessment.certificates.verify import revocation_list
from assessment.pdf.fonts import MissingGlyphError, missing_glyphs
from assessment.pdf.pdffile import embedded_files

UPDATE_GOLDEN = os.environ.get("ZHIZAO_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def cert_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cert") / "certificate.pdf"
    path.write_bytes(signed_certificate())
    return path


# --- the record ---------------------------------------------------------------------------------


def test_record_carries_what_the_certificate_states() -> None:
    record = make_record()
    assert record.firm_name == FIRM
    assert record.credit_code == CREDIT_CODE
    assert (record.standard_id, record.standard_edition) == ("zj-future-factory", "2025-trial-r2")
    assert record.tier == "dws"
    assert record.tier_name_zh == "省级数字化车间"
    assert record.score == evaluated_result().total
    assert record.evaluator_reviewed is True
    assert record.verify_url == f"https://zhizao.example.cn/?verify={NUMBER}"
    assert record.receipt.answers_sha256 == evaluated_result().receipt.answers_sha256
    assert "tier_rule: NOT FOUND" in record.unofficial


def test_no_official_validity_uses_the_labelled_default() -> None:
    assert ff_standard().validity_years is None
    record = make_record()
    assert record.validity_official is False
    assert record.validity_years == 3
    assert record.expires_on == dt.date(2029, 11, 26)


def test_declared_validity_is_used_as_official() -> None:
    standard = ff_standard().model_copy(update={"validity_years": 2})
    record = record_from_result(
        evaluated_result(),
        standard,
        firm_name=FIRM,
        credit_code=CREDIT_CODE,
        issued_on=ISSUED,
        reviewed_by="x",
        issuer_key_fingerprint=TEST_KEY.fingerprint,
        default_years=5,
    )
    assert record.validity_official is True
    assert record.expires_on == dt.date(2028, 11, 26)


def test_default_validity_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIZAO_CERT_VALIDITY_YEARS", "4")
    record = record_from_result(
        evaluated_result(),
        ff_standard(),
        firm_name=FIRM,
        credit_code=CREDIT_CODE,
        issued_on=ISSUED,
        reviewed_by="x",
        issuer_key_fingerprint=TEST_KEY.fingerprint,
    )
    assert (record.validity_years, record.validity_official) == (4, False)
    monkeypatch.setenv("ZHIZAO_CERT_VALIDITY_YEARS", "four")
    with pytest.raises(RecordError, match="ZHIZAO_CERT_VALIDITY_YEARS"):
        record_from_result(
            evaluated_result(),
            ff_standard(),
            firm_name=FIRM,
            credit_code=CREDIT_CODE,
            issued_on=ISSUED,
            reviewed_by="x",
            issuer_key_fingerprint=TEST_KEY.fingerprint,
        )


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "https://verify.example.org/")
    record = record_from_result(
        evaluated_result(),
        ff_standard(),
        firm_name=FIRM,
        credit_code=CREDIT_CODE,
        issued_on=ISSUED,
        reviewed_by="x",
        issuer_key_fingerprint=TEST_KEY.fingerprint,
        number=NUMBER,
    )
    assert record.verify_url == f"https://verify.example.org/?verify={NUMBER}"


def test_nothing_to_certify_is_refused() -> None:
    result = evaluated_result()
    for broken, message in (
        (dataclasses.replace(result, complete=False, missing=["FF-001"]), "incomplete"),
        (dataclasses.replace(result, eligible=False), "gates failed"),
        (dataclasses.replace(result, tier=None, tier_rank=None), "no tier reached"),
    ):
        with pytest.raises(RecordError, match=message):
            record_from_result(
                broken,
                ff_standard(),
                firm_name=FIRM,
                credit_code=CREDIT_CODE,
                issued_on=ISSUED,
                reviewed_by="x",
                issuer_key_fingerprint=TEST_KEY.fingerprint,
            )


def test_credit_code_check_character() -> None:
    assert credit_code_problem("914403001922038216") is None  # a published code
    assert credit_code_check_char("91330200MA2H7K3X1") == "B"
    assert "check character" in str(credit_code_problem("91330200MA2H7K3X1C"))
    assert "18" in str(credit_code_problem("9133"))
    assert "I" in str(credit_code_problem("91330200MA2H7K3XI1"))
    with pytest.raises(RecordError, match="credit_code"):
        make_record(credit_code="91330200MA2H7K3X1C")


def test_certificate_numbers_are_opaque_and_unique() -> None:
    numbers = {new_certificate_number() for _ in range(500)}
    assert len(numbers) == 500
    assert all(v_.startswith("ZZ-") and len(v_) == 17 for v_ in numbers)
    with pytest.raises(RecordError, match="number"):
        make_record(number="ZZ-0001")


def test_record_round_trips_through_json() -> None:
    record = make_record()
    again = CertificateRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert again.canonical() == record.canonical()
    with pytest.raises(RecordError, match="unknown field"):
        CertificateRecord.from_dict({**record.to_dict(), "extra": 1})
    with pytest.raises(RecordError, match="score: expected"):
        CertificateRecord.from_dict({**record.to_dict(), "score": "high"})


def test_add_years_handles_leap_day() -> None:
    assert add_years(dt.date(2028, 2, 29), 3) == dt.date(2031, 2, 28)


# --- the certificate PDF ------------------------------------------------------------------------


def test_certificate_is_one_page_with_every_font_embedded(cert_pdf: Path) -> None:
    assert page_count(cert_pdf) == 1
    fonts = pdffonts(cert_pdf)
    assert fonts, "no fonts listed"
    for row in fonts:
        assert row[-5] == "yes", f"font not embedded: {row}"
        assert "WenQuanYiMicroHei" in row[0]


def test_certificate_text_reads_back_exactly(cert_pdf: Path) -> None:
    text = pdftotext(cert_pdf)
    for expected in (
        FIRM,
        CREDIT_CODE,
        ff_standard().title.zh,
        ff_standard().title.en,
        "智能制造评估证书",
        "省级数字化车间",
        NUMBER,
        "2026-11-27",
        "2029-11-26",
        "本标准未公布官方证书有效期",
        "unofficial",
        "张评估",
        "评分所依据的部分编码非官方",
        "not found yet",
    ):
        assert expected in text, expected
    fingerprint = TEST_KEY.fingerprint
    flat = text.replace(" ", "").replace("\n", "")
    assert fingerprint in flat


def test_qr_code_decodes_to_the_verification_url(cert_pdf: Path, tmp_path: Path) -> None:
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    zbarimg = require_tool("zbarimg", "zbar-tools")
    subprocess.run(
        [pdftoppm, "-png", "-r", "150", str(cert_pdf), str(tmp_path / "page")], check=True
    )
    image = next(tmp_path.glob("page*.png"))
    out = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == make_record().verify_url


def test_signed_record_is_an_attachment(cert_pdf: Path, tmp_path: Path) -> None:
    pdfdetach = require_tool("pdfdetach", "poppler-utils")
    listing = subprocess.run(
        [pdfdetach, "-list", str(cert_pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert ATTACHMENT_NAME in listing
    target = tmp_path / "env.json"
    subprocess.run([pdfdetach, "-save", "1", "-o", str(target), str(cert_pdf)], check=True)
    envelope = json.loads(target.read_text(encoding="utf-8"))
    assert envelope["algorithm"] == "Ed25519"
    assert json.loads(envelope["record_json"]) == make_record().to_dict()


def test_certificate_is_deterministic_and_matches_golden(cert_pdf: Path) -> None:
    # The page and record render to the same bytes every time; the PDF signature, made after,
    # holds a signing time, so the golden file is the unsigned rendering.
    again = render_certificate(sign_record(make_record(), TEST_KEY))
    assert again == render_certificate(sign_record(make_record(), TEST_KEY))
    assert cert_pdf.read_bytes().startswith(again)
    digest = hashlib.sha256(again).hexdigest()
    text = pdftotext(cert_pdf, layout=True)
    golden_hash = GOLDEN / "certificate-ff.pdf.sha256"
    golden_text = GOLDEN / "certificate-ff.txt"
    if UPDATE_GOLDEN:
        GOLDEN.mkdir(exist_ok=True)
        golden_hash.write_text(digest + "\n", encoding="utf-8")
        golden_text.write_text(text, encoding="utf-8")
        (GOLDEN / "certificate-ff.pdf").write_bytes(again)
    assert text == golden_text.read_text(encoding="utf-8"), (
        "certificate text changed; if intended, rerun with ZHIZAO_UPDATE_GOLDEN=1"
    )
    assert digest == golden_hash.read_text(encoding="utf-8").strip(), (
        "certificate bytes changed; if intended, rerun with ZHIZAO_UPDATE_GOLDEN=1"
    )


def test_user_text_is_escaped(tmp_path: Path) -> None:
    record = make_record(firm_name="A&B <China> 有限公司", reviewed_by="O'Neil & <Co>")
    path = tmp_path / "esc.pdf"
    path.write_bytes(render_certificate(sign_record(record, TEST_KEY)))
    text = pdftotext(path)
    assert "A&B <China> 有限公司" in text
    assert "O'Neil & <Co>" in text


def test_missing_glyphs_are_refused_with_the_characters_listed() -> None:
    assert missing_glyphs(["宁波 A&B"]) == []
    assert missing_glyphs(["𠮷野家 😀"]) == ["𠮷", "😀"]
    record = make_record(firm_name="𠮷野家（宁波）有限公司")
    with pytest.raises(MissingGlyphError, match="U\\+20BB7") as info:
        render_certificate(sign_record(record, TEST_KEY))
    assert info.value.chars == ["𠮷"]


def test_long_firm_name_shrinks_to_fit(tmp_path: Path) -> None:
    name = "浙江省宁波市北仑区示例高端汽车零部件智能制造集团股份有限公司第二分公司"
    path = tmp_path / "long.pdf"
    path.write_bytes(render_certificate(sign_record(make_record(firm_name=name), TEST_KEY)))
    assert page_count(path) == 1
    assert name in pdftotext(path).replace("\n", "")


def test_unreviewed_record_never_becomes_a_certificate() -> None:
    record = make_record(evaluator_reviewed=False, reviewed_by=None)
    with pytest.raises(RecordError, match="self-assessment is never a certificate"):
        render_certificate(sign_record(record, TEST_KEY))


def test_signing_key_must_match_the_record() -> None:
    with pytest.raises(ValueError, match="names issuer key"):
        sign_record(make_record(), OTHER_KEY)


# --- verification -------------------------------------------------------------------------------


def test_valid_certificate_verifies(cert_pdf: Path) -> None:
    verdict = verify(cert_pdf.read_bytes(), [TEST_KEY.public], on=ISSUED)
    assert verdict.ok, verdict.message
    assert verdict.reason == v.VALID
    assert verdict.record == make_record()


def test_one_changed_byte_in_the_signed_record_fails(cert_pdf: Path) -> None:
    pdf = cert_pdf.read_bytes()
    score_text = f'\\"score\\":{make_record().score}'.encode()
    assert pdf.count(score_text) == 1
    last = score_text[-1:]
    tampered = pdf.replace(score_text, score_text[:-1] + (b"1" if last != b"1" else b"2"))
    assert tampered != pdf
    assert len(tampered) == len(pdf)
    verdict = verify(tampered, [TEST_KEY.public], on=ISSUED)
    assert not verdict.ok
    assert verdict.reason == v.BAD_SIGNATURE
    assert "changed after signing" in verdict.message


def test_changed_firm_name_fails(cert_pdf: Path) -> None:
    pdf = cert_pdf.read_bytes()
    original = "宁波示例".encode()
    index = pdf.index(original, pdf.index(b"record_json"))
    tampered = pdf[:index] + "温州示例".encode() + pdf[index + len(original) :]
    verdict = verify(tampered, [TEST_KEY.public], on=ISSUED)
    assert verdict.reason == v.BAD_SIGNATURE


def test_expired_and_not_yet_valid(cert_pdf: Path) -> None:
    pdf = cert_pdf.read_bytes()
    record = make_record()
    assert verify(pdf, [TEST_KEY.public], on=record.expires_on).ok
    expired = verify(pdf, [TEST_KEY.public], on=record.expires_on + dt.timedelta(days=1))
    assert not expired.ok
    assert expired.reason == v.EXPIRED
    assert "expired on 2029-11-26" in expired.message
    assert "unofficial" in expired.message
    early = verify(pdf, [TEST_KEY.public], on=ISSUED - dt.timedelta(days=1))
    assert early.reason == v.NOT_YET_VALID


def test_untrusted_key_fails(cert_pdf: Path) -> None:
    verdict = verify(cert_pdf.read_bytes(), [OTHER_KEY.public], on=ISSUED)
    assert verdict.reason == v.UNTRUSTED_KEY
    assert verify(cert_pdf.read_bytes(), [], on=ISSUED).reason == v.UNTRUSTED_KEY


def test_revoked_by_registry(cert_pdf: Path) -> None:
    registry = revocation_list(f"# revoked\n{NUMBER} evidence withdrawn\n")
    verdict = verify(cert_pdf.read_bytes(), [TEST_KEY.public], on=ISSUED, registry=registry)
    assert verdict.reason == v.REVOKED
    assert "evidence withdrawn" in verdict.message
    unknown = verify(cert_pdf.read_bytes(), [TEST_KEY.public], on=ISSUED, registry=lambda _n: None)
    assert unknown.reason == v.UNKNOWN


def test_not_a_certificate() -> None:
    assert verify(b"hello", [TEST_KEY.public], on=ISSUED).reason == v.NOT_A_CERTIFICATE
    assert embedded_files(b"%PDF-1.4\n%%EOF") == []


# --- keys ---------------------------------------------------------------------------------------


def test_keys_init_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    private, public, fingerprint = init_keys(folder)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    key = load_private_key(folder)
    assert key.fingerprint == fingerprint
    assert "PRIVATE" not in repr(key)
    with pytest.raises(KeyProblem, match="already exists"):
        init_keys(folder)
    _, _, replaced = init_keys(folder, force=True)
    assert replaced != fingerprint


def test_keys_are_refused_inside_the_repository() -> None:
    target = ROOT / "keys-should-not-exist"
    with pytest.raises(KeyProblem, match="inside the git work tree"):
        init_keys(target)
    assert not target.exists()


def test_world_readable_private_key_is_refused(tmp_path: Path) -> None:
    private, _, _ = init_keys(tmp_path / "k")
    private.chmod(0o644)
    with pytest.raises(KeyProblem, match="chmod 600"):
        load_private_key(tmp_path / "k")
