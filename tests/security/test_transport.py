"""Transport: TLS verified by default, a configurable CA bundle; secrets scrubbed from logs."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import logging
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hallclient import settings
from hallclient.logging_setup import scrub
from sync.engine import NotConfigured, register
from sync.transport import SyncHTTP, Transient


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_pem, key_pem = tmp_path / "server.pem", tmp_path / "server.key"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert_pem, key_pem


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"device_id": "d1", "name": "1号窗口", "hall_code": "440300001", "protocol": 1,
                           "server_time": dt.datetime.now(dt.timezone.utc).isoformat()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def https_server(tmp_path):
    cert, key = _self_signed(tmp_path)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"https://127.0.0.1:{srv.server_address[1]}", cert
    srv.shutdown()
    srv.server_close()


def test_an_unknown_certificate_is_refused_by_default_and_accepted_with_the_ca_bundle(https_server):
    url, cert = https_server
    http = SyncHTTP(url, "tok-abcdefgh12345678")
    with pytest.raises(Transient, match="证书无法验证") as e:
        http.post("/hello", {})
    assert "tok-abcdefgh12345678" not in str(e.value)
    http.close()
    http = SyncHTTP(url, "tok-abcdefgh12345678", ca_bundle=str(cert))
    assert http.post("/hello", {}).body["device_id"] == "d1"
    http.close()


def test_registration_uses_the_ca_bundle_setting(ctx, https_server, tmp_path):
    url, cert = https_server
    with pytest.raises(NotConfigured, match="证书"):
        register(ctx.store, url, "tok-abcdefgh12345678")
    with ctx.store.session() as s:
        settings.set_value(s, settings.SYNC_CA_BUNDLE, str(tmp_path / "missing.pem"))
    with pytest.raises(NotConfigured, match="CA 证书文件无法读取"):
        register(ctx.store, url, "tok-abcdefgh12345678")
    with ctx.store.session() as s:
        settings.set_value(s, settings.SYNC_CA_BUNDLE, str(cert))
    assert register(ctx.store, url, "tok-abcdefgh12345678")["device_id"] == "d1"


def test_tokens_and_passwords_are_scrubbed_from_log_lines(ctx):
    line = scrub('headers {"Authorization": "Bearer Zx9_abcdefghijklmnop"} token=Zx9_abcdefghijk password: "hunter2abc"')
    assert "Zx9_abc" not in line and "hunter2abc" not in line and line.count("***") == 3
    logging.getLogger("hallclient.test").warning("push failed, token=%s", "Zx9_secret_value_1")
    for h in logging.getLogger().handlers:
        h.flush()
    text = (ctx.data_dir.logs / "hallclient.log").read_text(encoding="utf-8")
    assert "push failed, token=***" in text and "Zx9_secret_value_1" not in text
