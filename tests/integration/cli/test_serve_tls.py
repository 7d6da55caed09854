"""`serve --tls-cert/--tls-key`: HTTPS from the server itself, with HSTS and the console's
cookies Secure and host-only (__Host-), and no banner naming the server software."""

from __future__ import annotations

import datetime
import os
import re
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "drs_orchestrator.cli.main"]


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert, key = self_signed(tmp_path)
    env = {**os.environ, "DRSO_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200",
           "DRSO_ADMIN_PASSWORD": "admin-password-1"}  # fmt: skip
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.search(r"https://127\.0\.0\.1:(\d+)", first)
    assert found, first + process.stdout.read(2000)
    yield f"https://localhost:{found.group(1)}", cert
    process.terminate()
    process.wait(timeout=20)


def test_serve_speaks_tls_with_hsts_and_secure_host_only_cookies(
    https_server: tuple[str, Path],
) -> None:
    base, cert = https_server
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=base, verify=trust) as client:
        health = client.get("/api/v1/health")
        opened = client.post(
            "/api/v1/auth/session", data={"username": "admin", "password": "admin-password-1"}
        )
        page = client.get("/")

    assert health.status_code == 200
    for answer in (health, opened, page):
        assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "server" not in answer.headers
    cookies = opened.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("__Host-drso_session="))
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "Path=/" in session
    assert "Domain" not in session
    assert any(c.startswith("__Host-drso_csrf=") and "Secure" in c for c in cookies)


def test_serve_refuses_a_certificate_without_its_key(tmp_path: Path) -> None:
    cert, _ = self_signed(tmp_path)
    done = subprocess.run(
        [*CLI, "serve", "--port", "0", "--tls-cert", str(cert)],
        capture_output=True,
        text=True,
        env={**os.environ, "DRSO_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--tls-cert and --tls-key go together" in done.stdout + done.stderr
