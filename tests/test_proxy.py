"""The production layout in miniature: nginx (Debian package `nginx`) with the repository's own
deploy/nginx/zhizao.conf — only its ports and file paths replaced — over https in front of two app
processes started with the command line of deploy/systemd/zhizao@.service, on one PostgreSQL
database; headless Chromium drives it through the proxy.

- A firm signs in and answers an item through the proxy: the websocket goes through, the sign-in
  cookie comes back Secure (the proxy said https), and the answer is in the database.
- A visitor who never signs in uploads a file on the public certificate check: the upload reaches
  the process that holds the visitor's page, because the proxy's routing cookie sends every request
  of one browser to one process.
- New browsers spread over both processes, one browser stays on one, plain http is sent to https.

nginx runs unprivileged from a temporary prefix (as `nobody` when the tests run as root), on
loopback ports. Without nginx the tests skip naming the package (fail under ZHIZAO_STRICT=1).
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import ipaddress
import os
import pwd
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from app_support import EMAILS, ROOT
from conftest import require_tool
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from e2e_support import TIMEOUT, free_port, nav, sees
from lifecycle_support import servers  # noqa: F401 - the session's PostgreSQL templates
from multiprocess_support import (
    PROFILE,
    SAVED,
    STANDARD,
    account,
    answer_yes,
    app_processes,
    browser,  # noqa: F401 - the Chromium fixture
    shared_database,  # noqa: F401 - the seeded PostgreSQL database fixture
    sign_in_as,
)

from assessment import submissions
from assessment.accounts import sessions
from assessment.storage.db import open_database

pytestmark = pytest.mark.slow

SITE = ROOT / "deploy" / "nginx" / "zhizao.conf"
UNIT = ROOT / "deploy" / "systemd" / "zhizao@.service"
ROUTE_COOKIE = "zhizao_route"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
# What Debian's /etc/nginx/nginx.conf is to the site file: the main context around it. The log
# says which process served each request and under which routing key.
MAIN = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
events {{ worker_connections 512; }}
http {{
    log_format routes '$zhizao_route $upstream_addr $request_method $uri $status';
    access_log {prefix}/access.log routes;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/zhizao.conf;
}}
"""


# --- the files under test, with this machine's ports and paths ------------------------------------


def render_site(text: str, *, apps: list[int], https: int, http: int, cert: Path, key: Path) -> str:
    """The site file with only its ports, listen addresses (loopback) and certificate paths
    replaced; each replaced text must be there exactly once, so a changed file is noticed."""
    replacements = {
        "server 127.0.0.1:8501 ": f"server 127.0.0.1:{apps[0]} ",
        "server 127.0.0.1:8502 ": f"server 127.0.0.1:{apps[1]} ",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "/etc/ssl/zhizao/fullchain.pem": str(cert),
        "/etc/ssl/zhizao/privkey.pem": str(key),
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{SITE.name}: expected {old!r} once"
        text = text.replace(old, new)
    return text


def unit_settings(text: str) -> list[tuple[str, str]]:
    """(name, value) of a systemd unit's settings, continuation lines joined."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith(("#", ";", "["))):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        name, _, value = (pending + line).partition("=")
        found.append((name.strip(), value.strip()))
        pending = ""
    return found


def unit_command(port: int, public_host: str) -> list[str]:
    """ExecStart of zhizao@PORT.service, with this checkout's Python and the test's host name."""
    [start] = [v for k, v in unit_settings(UNIT.read_text()) if k == "ExecStart"]
    words = shlex.split(start.replace("%i", str(port)))
    assert words[0] == "/opt/zhizao/.venv/bin/python", words
    hosts = [w for w in words if w.startswith("--server.allowedHosts=")]
    assert hosts == ["--server.allowedHosts=zhizao.example.cn"], words
    return [
        sys.executable,
        *(f"--server.allowedHosts={public_host}" if w in hosts else w for w in words[1:]),
    ]


def run_start_pre(database_url: str) -> None:
    """ExecStartPre, as systemd runs it before each instance (here with this checkout's venv)."""
    [pre] = [v for k, v in unit_settings(UNIT.read_text()) if k == "ExecStartPre"]
    words = shlex.split(pre)
    assert words[0] == "/opt/zhizao/.venv/bin/zhizao", words
    command = [str(Path(sys.executable).parent / "zhizao"), *words[1:]]
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


# --- nginx ----------------------------------------------------------------------------------------


@dataclass
class Proxy:
    base: str  # https://127.0.0.1:PORT
    plain: int  # the http port that redirects
    apps: list[int]
    prefix: Path
    tls: ssl.SSLContext

    def log(self) -> list[tuple[str, str, str, str, str]]:
        """(routing key, upstream address, method, path, status) of every finished request."""
        path = self.prefix / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [tuple(line.split(" ")) for line in lines if line.count(" ") == 4]  # type: ignore[misc]

    def wait_for_log(self, wanted: Any, what: str) -> list[tuple[str, str, str, str, str]]:
        """The log once `wanted(entries)` holds (a websocket is logged when it closes)."""
        deadline = time.monotonic() + 15
        while True:
            entries = self.log()
            if wanted(entries):
                return entries
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx's log never showed {what}: {entries[-20:]}")
            time.sleep(0.2)

    def get(self, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
        headers = {"Cookie": cookie} if cookie else {}
        request = urllib.request.Request(f"{self.base}{path}", headers=headers)  # noqa: S310 - loopback
        reply: http.client.HTTPResponse = urllib.request.urlopen(  # noqa: S310 - loopback
            request, timeout=10, context=self.tls
        )
        return reply


def find_nginx() -> str:
    # Debian puts it in /usr/sbin, which a non-root PATH may lack.
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which("nginx", path=path) or require_tool("nginx", "nginx")


def _apps_answer(proxy: Proxy, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            errors = (proxy.prefix / "error.log").read_text(errors="replace")
            raise RuntimeError(f"nginx exited with {process.returncode}: {errors[-2000:]}")
        try:
            with proxy.get("/_stcore/health") as reply:
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("nothing answered /_stcore/health through nginx within 30 s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def proxy(shared_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:  # noqa: F811 - the fixture
    nginx = find_nginx()
    https, plain = free_port(), free_port()
    ports = [free_port(), free_port()]
    base = f"https://127.0.0.1:{https}"
    for _ in ports:
        run_start_pre(shared_database)
    folder = tmp_path_factory.mktemp("proxy")
    # Not under pytest's temporary folder: when the tests run as root, nginx runs as nobody,
    # which may not enter it.
    prefix = Path(tempfile.mkdtemp(prefix="zhizao-nginx-"))
    try:
        cert, key = self_signed(prefix)
        site = render_site(
            SITE.read_text(), apps=ports, https=https, http=plain, cert=cert, key=key
        )
        (prefix / "zhizao.conf").write_text(site)
        (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix))
        for name in TEMP_DIRS:
            (prefix / name).mkdir()
        drop: dict[str, Any] = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for path in [prefix, *prefix.rglob("*")]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            drop = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        tls = ssl.create_default_context(cafile=str(cert))
        found = Proxy(base, plain, ports, prefix, tls)
        with app_processes(
            shared_database, folder, ports, public_url=base,
            command=lambda port: unit_command(port, "127.0.0.1"),
        ):  # fmt: skip
            process = subprocess.Popen(
                [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                 "-e", str(prefix / "error.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, **drop,
            )  # fmt: skip
            try:
                _apps_answer(found, process)
                yield found
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def _context(browser: Any) -> Any:  # noqa: F811 - the fixture
    return browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", ignore_https_errors=True
    )


def _cookie(context: Any, name: str) -> dict[str, Any]:
    found = [c for c in context.cookies() if c["name"] == name]
    assert len(found) == 1, context.cookies()
    return dict(found[0])


def _upstreams(entries: list[tuple[str, ...]], route: str) -> set[str]:
    return {upstream for key, upstream, *_ in entries if key == route}


def _route_cookies(reply: http.client.HTTPResponse) -> list[str]:
    found = reply.headers.get_all("Set-Cookie") or []
    return [c for c in found if c.startswith(f"{ROUTE_COOKIE}=")]


# --- the tests -------------------------------------------------------------------------------------


def test_a_firm_signs_in_and_answers_through_the_proxy(
    proxy: Proxy,
    shared_database: str,  # noqa: F811 - the fixture
    browser: Any,  # noqa: F811 - the fixture
) -> None:
    db = open_database(shared_database, migrate=False)
    firm = account(db, EMAILS["firm"])
    sub = submissions.create_submission(
        firm, db, org_id=firm.org_id or 0, standard_id=STANDARD, profile=PROFILE
    )
    context = _context(browser)
    try:
        page = context.new_page()
        sign_in_as(page, proxy.base, EMAILS["firm"])
        sees(page, "下一步：")
        signed = _cookie(context, sessions.COOKIE_NAME)
        # Secure: the app saw https in X-Forwarded-Proto, though it speaks plain http itself.
        assert signed["secure"] is True
        assert signed["httpOnly"] is True
        route = _cookie(context, ROUTE_COOKIE)
        assert route["httpOnly"] is True
        assert route["secure"] is True

        nav(page, "问卷填报")
        page.locator(".st-key-item-identifiable-resources").wait_for(timeout=TIMEOUT)
        answer_yes(page, "identifiable-resources")
        sees(page, SAVED)
        assert submissions.get_submission(firm, db, sub.id).answers == {
            "identifiable-resources": True
        }
    finally:
        context.close()
        db.dispose()
    key = str(route["value"])
    entries = proxy.wait_for_log(
        lambda es: any(e[0] == key and e[3] == "/_stcore/stream" for e in es),
        "this browser's websocket",
    )
    mine = [e for e in entries if e[0] == key]
    assert ("GET", "/_stcore/stream", "101") in {e[2:] for e in mine}
    assert ("POST", "/account/session", "303") in {e[2:] for e in mine}
    assert len(_upstreams(entries, key)) == 1, mine  # every request of it: one process


def test_a_visitor_who_is_not_signed_in_uploads_through_the_proxy(
    proxy: Proxy,
    browser: Any,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    from reportlab.pdfgen import canvas  # noqa: PLC0415 - only this test makes a PDF

    made = io.BytesIO()
    sheet = canvas.Canvas(made)
    sheet.drawString(72, 720, "not a certificate")
    sheet.save()
    # Over nginx's default body limit of 1 MiB, under the app's 5 MB for this page.
    upload = tmp_path / "scan.pdf"
    upload.write_bytes(made.getvalue() + b"\n%" + b"x" * (2 * 1024 * 1024) + b"\n")
    context = _context(browser)
    try:
        page = context.new_page()
        page.goto(f"{proxy.base}/verify", wait_until="domcontentloaded")
        sees(page, "核验证书文件")
        assert [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME] == []
        page.locator("input[type=file]").set_input_files(str(upload))
        sees(page, "文件未通过核验")
        key = str(_cookie(context, ROUTE_COOKIE)["value"])
    finally:
        context.close()
    entries = proxy.wait_for_log(
        lambda es: any(e[0] == key and e[3] == "/_stcore/stream" for e in es),
        "the visitor's websocket",
    )
    mine = [e for e in entries if e[0] == key]
    uploads = [e for e in mine if e[2] == "PUT" and e[3].startswith("/_stcore/upload_file/")]
    assert uploads, mine
    assert all(e[4].startswith("2") for e in uploads), uploads
    assert len(_upstreams(entries, key)) == 1, mine


def test_new_browsers_spread_over_both_processes_and_each_stays_on_one(proxy: Proxy) -> None:
    fresh: list[str] = []
    for _ in range(30):  # both of two processes among 30 random keys: all but certain
        with proxy.get("/_stcore/health") as reply:
            assert reply.read().strip() == b"ok"
            [cookie] = _route_cookies(reply)
        assert "HttpOnly" in cookie
        assert "Secure" in cookie
        fresh.append(cookie.split(";")[0].split("=", 1)[1])
    known = "0123456789abcdef0123456789abcdef"
    for _ in range(10):
        with proxy.get("/_stcore/health", cookie=f"{ROUTE_COOKIE}={known}") as reply:
            assert reply.read().strip() == b"ok"
            assert _route_cookies(reply) == []  # it has one already
    entries = proxy.wait_for_log(
        lambda es: sum(e[0] == known for e in es) == 10, "the requests with a routing cookie"
    )
    apps = {f"127.0.0.1:{port}" for port in proxy.apps}
    assert set().union(*(_upstreams(entries, key) for key in fresh)) == apps
    assert len(_upstreams(entries, known)) == 1

    plain = http.client.HTTPConnection("127.0.0.1", proxy.plain, timeout=10)
    try:
        plain.request("GET", "/verify?x=1")
        reply = plain.getresponse()
        assert reply.status == 301
        assert reply.getheader("Location") == "https://127.0.0.1/verify?x=1"
    finally:
        plain.close()
