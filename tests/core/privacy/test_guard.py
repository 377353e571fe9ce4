"""The no-network guard refuses every connection leaving the machine, logs it and counts it.

Each refusal happens in the audit hook, before the system call: no packet is sent. Tests that trigger
the guard on purpose reset its record at the end (the autouse fixture fails tests that leave attempts).
"""
import json
import logging
import os
import shutil
import socket
import subprocess
import sys

import pytest

from app.core.privacy import guard
from app.core.privacy.guard import NetworkBlocked
from tests.conftest import ROOT

PUBLIC_V4 = "203.0.113.7"  # TEST-NET-3: documentation range, never routed
PUBLIC_V6 = "2001:db8::1"


@pytest.fixture
def refusals(caplog):
    """Collects what the guard refused during the test, then clears its record."""
    caplog.set_level(logging.WARNING, logger="app.core.privacy.guard")
    assert guard.is_active()
    yield caplog
    guard.reset_attempts()


def _blocked(fn, *args):
    with pytest.raises(NetworkBlocked, match="works offline"):
        fn(*args)


def test_tcp_connect_to_a_public_address_is_refused_logged_and_counted(refusals):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        _blocked(s.connect, (PUBLIC_V4, 443))
        _blocked(s.connect_ex, (PUBLIC_V4, 80))
    assert len(guard.attempts()) == 2 and PUBLIC_V4 in guard.attempts()[0]
    logged = [r for r in refusals.records if r.name == "app.core.privacy.guard"]
    assert len(logged) == 2 and "blocked a network attempt" in logged[0].getMessage()


def test_ipv6_connect_is_refused(refusals):
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6 support")
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        _blocked(s.connect, (PUBLIC_V6, 443, 0, 0))
    assert guard.attempts()


def test_hostname_lookups_are_refused(refusals):
    _blocked(socket.getaddrinfo, "example.com", 443)
    _blocked(socket.gethostbyname, "huggingface.co")
    _blocked(socket.gethostbyname_ex, "pypi.org")
    _blocked(socket.gethostbyaddr, "8.8.8.8")
    _blocked(socket.getnameinfo, ("8.8.8.8", 53), 0)
    with socket.socket() as s:
        _blocked(s.connect, ("example.com", 80))  # a name given straight to connect
    assert len(guard.attempts()) == 6


def test_udp_sendto_and_sendmsg_are_refused(refusals):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        _blocked(s.sendto, b"telemetry", (PUBLIC_V4, 53))
        _blocked(s.sendto, b"telemetry", 0, (PUBLIC_V4, 53))
        _blocked(s.sendto, b"telemetry", ("telemetry.example.com", 443))  # refused before any DNS query
        if hasattr(s, "sendmsg"):
            _blocked(s.sendmsg, [b"dns?"], [], 0, ("8.8.8.8", 53))
    assert len(guard.attempts()) >= 3


def test_listening_on_a_public_interface_is_refused(refusals):
    with socket.socket() as s:
        _blocked(s.bind, ("0.0.0.0", 0))
    with socket.socket() as s:
        _blocked(s.bind, ("", 0))
    assert len(guard.attempts()) == 2


def test_loopback_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(("localhost", port), timeout=5) as client:
            conn, _ = server.accept()
            with conn:
                client.sendall(b"ping")
                assert conn.recv(4) == b"ping"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(b"x", ("127.0.0.1", 9))
    socket.getaddrinfo("localhost", 80)
    assert guard.attempts() == []


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX on this platform")
def test_unix_sockets_are_allowed(tmp_path):
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
            conn, _ = server.accept()
            with conn:
                client.sendall(b"focus")
                assert conn.recv(5) == b"focus"
    a, b = socket.socketpair()
    a.close()
    b.close()
    assert guard.attempts() == []


def _machine_address() -> str | None:
    """This machine's first non-loopback IPv4 address (read from the interfaces: no packet is sent)."""
    import psutil

    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                return a.address
    return None


@pytest.fixture
def outside_server():
    """A TCP server on this machine's network address, in a child process (the guard forbids this
    process to listen there): (address, port) of a door that leaves loopback."""
    address = _machine_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    script = ("import socket, sys\n"
              f"s = socket.create_server(({address!r}, 0))\n"
              "print(s.getsockname()[1], flush=True)\n"
              "while True:\n"
              "    c, _ = s.accept(); c.sendall(b'hello'); c.close()\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        yield address, port
    finally:
        child.kill()
        child.wait()
        guard.allow_endpoints([])


def test_allowlist_opens_exactly_the_named_host_and_port(refusals, outside_server):
    address, port = outside_server
    with socket.socket() as s:
        _blocked(s.connect, (address, port))  # nothing named: the air gap holds
    guard.allow_endpoints([(address, port)])
    assert guard.allowed() == [f"{address}:{port}"]
    with socket.create_connection((address, port), timeout=5) as s:
        assert s.recv(5) == b"hello"
    with socket.socket() as s:
        _blocked(s.connect, (address, port + 1))  # the same host on another port stays shut
    with socket.socket() as s:
        _blocked(s.connect, (PUBLIC_V4, port))  # another host on the same port too
    guard.allow_endpoints([])
    with socket.socket() as s:
        _blocked(s.connect, (address, port))  # and the list replaces, it does not add up
    assert len(guard.attempts()) == 4


def test_allowed_host_name_may_be_resolved_other_names_not(refusals):
    name = "model-server.invalid"  # RFC 6761: never resolves, so no answer can come back
    _blocked(socket.getaddrinfo, name, 443)
    guard.allow_endpoints([(name, 443)])
    try:
        with pytest.raises(socket.gaierror):  # the guard let the look-up through; there is no such name
            socket.getaddrinfo(name, 443)
        _blocked(socket.getaddrinfo, "other.invalid", 443)
    finally:
        guard.allow_endpoints([])
    assert len(guard.attempts()) == 2


def test_allow_endpoints_refuses_what_is_not_a_host_and_port():
    for bad in ([("host", None)], [("", 443)], [("host", 70000)]):
        with pytest.raises(ValueError):
            guard.allow_endpoints(bad)
    assert guard.allowed() == []


def test_urllib_is_stopped_before_anything_leaves(refusals):
    import urllib.error
    import urllib.request

    with pytest.raises((NetworkBlocked, urllib.error.URLError)):
        urllib.request.urlopen("https://huggingface.co/api/models", timeout=5)
    assert any("huggingface.co" in a for a in guard.attempts())


def test_whole_process_air_gap_without_a_network_namespace():
    """The app runs entirely with no network at all: `unshare -n` gives it an empty namespace."""
    unshare = shutil.which("unshare")
    if sys.platform != "linux" or unshare is None:
        pytest.skip("unshare is Linux-only and not installed here")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"unshare -n is not permitted on this machine: {probe.stderr.strip()}")
    result = subprocess.run([unshare, "-n", sys.executable, "-m", "app", "doctor", "--json"],
                            cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["network"]["guard_active"] is True
    assert report["network"]["blocked_attempts"] == 0


@pytest.mark.slow
def test_open_index_and_ask_with_no_network_at_all(tmp_path):
    """Start the window, index a folder and answer from it, inside `unshare -n`, and the guard saw
    no attempt to connect anywhere during the whole flow."""
    unshare = shutil.which("unshare")
    if sys.platform != "linux" or unshare is None or subprocess.run([unshare, "-n", "true"]).returncode != 0:
        pytest.skip("unshare -n is not available here")
    from tests.core.ingest_files import pdf_bytes

    docs = tmp_path / "matter"
    docs.mkdir()
    (docs / "lease.pdf").write_bytes(pdf_bytes(["Parties and term.", "Termination.\nEither party may end this "
                                                "lease with ninety days written notice."]))
    env = dict(os.environ, STRONGROOM_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([unshare, "-n", sys.executable, str(ROOT / "tests" / "core" / "airgap_flow.py"), str(docs)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    flow = json.loads(result.stdout.strip().splitlines()[-1])
    assert flow["window_shown"] and flow["indexed"] == 1 and flow["chunks"] > 0
    assert flow["answer"] and flow["sources"][0]["page"] == 2
    assert flow["guard_active"] and flow["attempts"] == []
