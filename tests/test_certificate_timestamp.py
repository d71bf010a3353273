"""PAdES B-T: with `ZHIZAO_TSA_URL` set, the certificate's PDF signature carries an RFC 3161
time-stamp token from that authority. The authority here is a real HTTP server on loopback that
answers time-stamp requests (its signing is pyHanko's test authority, with its own certificate)."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from documents_support import ISSUED, TEST_KEY, identity_for_tests, make_record, verify
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from assessment.certificates.envelope import sign_record
from assessment.certificates.issue import signed_file
from assessment.certificates.pdf_signature import ENV_TSA_URL, SIGNED


def _authority() -> DummyTimeStamper:
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # its signer is RSA-only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试时间戳服务 test TSA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


@pytest.fixture
def tsa_url() -> Iterator[tuple[str, list[int]]]:
    authority = _authority()
    served: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = tsp.TimeStampReq.load(body)
            reply = authority.request_tsa_response(request).dump()
            served.append(len(reply))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:  # quiet test output
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", served
    finally:
        server.shutdown()
        server.server_close()


def test_a_configured_authority_time_stamps_the_signature(
    tsa_url: tuple[str, list[int]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, served = tsa_url
    monkeypatch.setenv(ENV_TSA_URL, url)
    pdf = signed_file(sign_record(make_record(), TEST_KEY), identity_for_tests(), "智造评估 zhizao")
    assert served, "the authority was never asked"
    verdict = verify(pdf, [TEST_KEY.public], on=ISSUED)
    assert verdict.ok, verdict.message
    assert verdict.pdf is not None
    assert verdict.pdf.status == SIGNED
    assert verdict.pdf.timestamped


def test_without_an_authority_the_signature_is_b_b(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TSA_URL, raising=False)
    pdf = signed_file(sign_record(make_record(), TEST_KEY), identity_for_tests(), "智造评估 zhizao")
    verdict = verify(pdf, [TEST_KEY.public], on=ISSUED)
    assert verdict.ok
    assert verdict.pdf is not None
    assert not verdict.pdf.timestamped
