"""TLS trust: the OS store plus IT's CA file; verification always on; a bad CA file is named."""
import socket
import ssl
import threading

import pytest

from app.core.remote.tls import CaFileError, ssl_context
from tests.helpers.certs import make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_server(pki):
    """A loopback TLS server presenting the test CA's certificate: (port, stop)."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki.cert_file, pki.key_file)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError):
            pass  # the client refused our certificate: that is what some tests want

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(5)


def _handshake(ctx: ssl.SSLContext, port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.recv(2)


def test_verification_is_always_on():
    ctx = ssl_context(None)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_the_firms_ca_file_makes_its_server_trusted(pki, tls_server):
    assert _handshake(ssl_context(str(pki.ca_file)), tls_server) == b"ok"


def test_without_the_ca_file_the_server_is_not_trusted(tls_server):
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ssl_context(None), tls_server)


@pytest.mark.parametrize("kind", ["missing", "garbage", "a folder", "a key, not a certificate"])
def test_an_unusable_ca_file_is_a_plain_error_naming_it(tmp_path, pki, kind):
    path = tmp_path / "firm-ca.pem"
    if kind == "garbage":
        path.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    elif kind == "a folder":
        path.mkdir()
    elif kind == "a key, not a certificate":
        path.write_bytes(pki.key_file.read_bytes())
    with pytest.raises(CaFileError, match="firm-ca.pem"):
        ssl_context(str(path))
