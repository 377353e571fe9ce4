"""Connecting to the firm's Qdrant server, against real servers on loopback that misbehave: nothing
listening, a refused key, an answer that is not Qdrant's, no answer at all, a certificate not trusted."""
from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.core.remote.qdrant_server import ServerError, ServerNotTrusted, ServerRefusedKey, ServerUnreachable, connect

COLLECTIONS = json.dumps({"result": {"collections": []}, "status": "ok", "time": 0.0}).encode()


class Stub:
    """A loopback HTTP(S) server that answers every request with `status` and `body` (or never, if hang)."""

    def __init__(self, status=200, body=COLLECTIONS, hang=False, tls_cert=None):
        self.requests: list[dict] = []
        self.release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server naming
                stub.requests.append({"path": self.path, "api-key": self.headers.get("api-key")})
                if hang:
                    stub.release.wait(10)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls_cert)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    made = []

    def make(**kw):
        made.append(Stub(**kw))
        return made[-1]

    yield make
    for s in made:
        s.close()


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 that no trust store knows (its own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qdrant.firm.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "firm-ca.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def test_nothing_listening_on_the_port_says_the_server_cannot_be_reached():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    with pytest.raises(ServerUnreachable, match="cannot be reached"):
        connect(f"http://127.0.0.1:{port}", "secret-key", timeout_s=2)


def test_a_refused_key_is_named_with_the_command_that_sets_it_and_the_key_stays_out_of_the_message(stub):
    server = stub(status=401, body=b'{"status": {"error": "Must provide an API key"}}')
    with pytest.raises(ServerRefusedKey, match="refused the API key.*strongroom library set-server-key") as refused:
        connect(server.url, "s3cret-key-value", timeout_s=2)
    assert "s3cret-key-value" not in str(refused.value)
    assert server.requests[0]["api-key"] == "s3cret-key-value"  # the key was sent, as a header


def test_forbidden_is_a_refused_key_too(stub):
    with pytest.raises(ServerRefusedKey, match="403"):
        connect(stub(status=403, body=b"{}").url, "read-only-key", timeout_s=2)


@pytest.mark.parametrize("body", [b"<html>It works!</html>", b'{"result": {"collecti', b"\x00\xff" * 100_000,
                                  b'{"result": {"collections": "not a list"}, "status": "ok"}'])
def test_an_answer_that_is_not_qdrants_says_so(stub, body):
    with pytest.raises(ServerError, match="not Qdrant's"):
        connect(stub(body=body).url, None, timeout_s=2)


def test_a_server_that_never_answers_gives_up_with_the_timeout_in_the_message(stub):
    with pytest.raises(ServerUnreachable, match="did not answer within 1 seconds"):
        connect(stub(hang=True).url, None, timeout_s=1)


def test_a_certificate_this_computer_does_not_trust_is_named_and_the_firms_ca_file_fixes_it(stub, tmp_path):
    cert = _self_signed(tmp_path)
    server = stub(tls_cert=cert)
    with pytest.raises(ServerNotTrusted, match="does not trust"):
        connect(server.url, "key", timeout_s=2)
    client = connect(server.url, "key", ca_file=cert[0], timeout_s=2)
    assert client.get_collections().collections == []
    client.close()


def test_an_unreadable_ca_file_is_named(stub, tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ServerNotTrusted, match="ca.pem"):
        connect(stub(tls_cert=_self_signed(tmp_path)).url, "key", ca_file=str(bad), timeout_s=2)


@pytest.mark.parametrize("url", ["ftp://qdrant.firm:6333", "https://", "http:///path-only"])
def test_a_url_that_is_no_server_address_is_refused_before_connecting(url):
    with pytest.raises(ServerError, match="is not a server address"):
        connect(url, None)
