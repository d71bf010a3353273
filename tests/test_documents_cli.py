"""`zhizao keys`, `zhizao cert` and `zhizao report` end to end, on files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from documents_support import CREDIT_CODE, EXAMPLES, NUMBER, ROOT, pdftotext

from assessment.cli.main import main

EVALUATED = EXAMPLES / "ff-discrete-smart-factory-evaluated.yaml"
SELF = EXAMPLES / "ff-discrete-smart-factory.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(folder))
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "https://zhizao.example.cn")
    return folder


def test_keys_init_prints_the_fingerprint_never_the_private_key(
    keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "keys", "init")
    assert code == 0, err
    assert "fingerprint: " in out
    private = (keys / "issuer-ed25519.pem").read_text()
    body = "".join(private.splitlines()[1:-1])
    assert body not in out + err
    assert "PRIVATE KEY-----" not in out + err
    code, out, _ = run(capsys, "keys", "show")
    assert code == 0
    assert out.splitlines()[1] == "-----BEGIN PUBLIC KEY-----"
    code, _, err = run(capsys, "keys", "init")
    assert code == 1
    assert "already holds the issuer's keys" in err


def test_keys_init_refuses_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    target = ROOT / ".keys-test"
    code, _, err = run(capsys, "keys", "init", "--dir", str(target))
    assert code == 1
    assert "inside the git work tree" in err
    assert not target.exists()


def issue(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    assert run(capsys, "keys", "init")[0] == 0
    record = tmp_path / "record.json"
    code, out, err = run(
        capsys,
        "cert",
        "record",
        str(EVALUATED),
        "--credit-code",
        CREDIT_CODE,
        "--reviewed-by",
        "张评估",
        "--issued",
        "2026-11-27",
        "--number",
        NUMBER,
        "--out",
        str(record),
        *extra,
    )
    assert code == 0, err
    assert "platform default of 3 years" in out
    pdf = tmp_path / "cert.pdf"
    code, out, err = run(capsys, "cert", "render", str(record), "--out", str(pdf))
    assert code == 0, err
    assert f"https://zhizao.example.cn/?verify={NUMBER}" in out
    return pdf


def test_record_render_verify(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = issue(tmp_path, capsys)
    assert "宁波示例汽车零部件有限公司 (synthetic)" in pdftotext(pdf)
    code, out, err = run(capsys, "cert", "verify", str(pdf), "--on", "2027-01-01")
    assert code == 0, err
    assert out.startswith("VALID (valid)")
    assert "revocation not checked" in out
    code, _, err = run(capsys, "cert", "verify", str(pdf), "--on", "2030-01-01")
    assert code == 1
    assert err.startswith("INVALID (expired): expired on 2029-11-26")
    revoked = tmp_path / "revoked.txt"
    revoked.write_text(f"{NUMBER} evidence withdrawn\n", encoding="utf-8")
    code, _, err = run(
        capsys, "cert", "verify", str(pdf), "--on", "2027-01-01", "--revoked", str(revoked)
    )
    assert code == 1
    assert "INVALID (revoked)" in err
    assert "evidence withdrawn" in err


def test_verify_tampered_pdf(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = issue(tmp_path, capsys)
    data = pdf.read_bytes()
    index = data.index(b"2029-11-26", data.index(b"record_json"))
    pdf.write_bytes(data[:index] + b"2039" + data[index + 4 :])
    code, out, _ = run(capsys, "cert", "verify", str(pdf), "--on", "2027-01-01", "--json")
    assert code == 1
    verdict = json.loads(out)
    assert verdict["reason"] == "bad_signature"
    assert verdict["ok"] is False


def test_verify_with_another_public_key(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = issue(tmp_path, capsys)
    run(capsys, "keys", "init", "--dir", str(tmp_path / "other"))
    code, _, err = run(
        capsys,
        "cert",
        "verify",
        str(pdf),
        "--public-key",
        str(tmp_path / "other" / "issuer-ed25519.pub.pem"),
    )
    assert code == 1
    assert "INVALID (untrusted_key)" in err


def test_record_refuses_a_bad_credit_code(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "keys", "init")
    code, _, err = run(
        capsys,
        "cert",
        "record",
        str(EVALUATED),
        "--credit-code",
        "91330200MA2H7K3X1C",
        "--reviewed-by",
        "x",
        "--out",
        str(tmp_path / "r.json"),
    )
    assert code == 1
    assert "check character" in err


def test_render_refuses_an_unreviewed_record(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    issue(tmp_path, capsys)
    record = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    record.update(evaluator_reviewed=False, reviewed_by=None)
    (tmp_path / "self.json").write_text(json.dumps(record), encoding="utf-8")
    code, _, err = run(
        capsys, "cert", "render", str(tmp_path / "self.json"), "--out", str(tmp_path / "x.pdf")
    )
    assert code == 1
    assert "never a certificate" in err
    assert not (tmp_path / "x.pdf").exists()


def test_report_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "self.pdf"
    code, stdout, err = run(capsys, "report", "export", str(SELF), "--out", str(out))
    assert code == 0, err
    assert "自评结果，仅供参考" in stdout
    assert "自评结果，仅供参考" in pdftotext(out)
    benchmark = tmp_path / "bench.json"
    benchmark.write_text(json.dumps({"cohort": "C36", "percentile": 63}), encoding="utf-8")
    out2 = tmp_path / "evaluated.pdf"
    code, stdout, err = run(
        capsys,
        "report",
        "export",
        str(SELF),
        "--evaluated",
        str(EVALUATED),
        "--benchmark",
        str(benchmark),
        "--reviewed-by",
        "张评估",
        "--out",
        str(out2),
    )
    assert code == 0, err
    text = pdftotext(out2)
    assert "Benchmark" in text
    assert "张评估" in text


def test_report_export_refuses_review_fields_without_evaluation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys,
        "report",
        "export",
        str(SELF),
        "--certificate-number",
        NUMBER,
        "--out",
        str(tmp_path / "x.pdf"),
    )
    assert code == 1
    assert "need --evaluated" in err
