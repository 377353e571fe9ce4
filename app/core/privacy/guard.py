"""The no-network guard: an audit hook that refuses every connection leaving this machine.

Strongroom never needs the network. Libraries it uses sometimes try (Hugging Face hub look-ups,
telemetry); the hook turns any such attempt into an exception and a log line, before a packet leaves.
Loopback stays allowed (Qt's single-instance socket, a firm's Qdrant server on localhost). The only
other doors are the host:port pairs IT names in settings or policy (app/core/remote/allowlist.py):
the firm's model server and Qdrant server. Their names may be resolved; the addresses a name resolves
to are allowed on that port only.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
import threading

log = logging.getLogger(__name__)

_lock = threading.Lock()
_installed = False
_enabled = False
_attempts: list[str] = []
_allowed: set[tuple[str, int]] = set()  # (host name or address, port) named by settings or policy
_resolved: set[tuple[str, int]] = set()  # addresses an allowed name resolved to, on its port
_original_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(PermissionError):
    pass


def offline_environment() -> None:
    """Must run before any Hugging Face import: otherwise they look up the hub."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[name] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _host_text(host: object) -> str | None:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return host.strip("[]").split("%")[0].lower() if isinstance(host, str) else None


def _port(port: object) -> int | None:
    try:
        return int(port)
    except (TypeError, ValueError):
        return None


def _is_local(host: object) -> bool:
    if host is None:
        return True
    host = _host_text(host)
    if host is None:
        return False
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _address_host(address: object) -> object:
    if isinstance(address, tuple) and address:
        return address[0]
    if isinstance(address, (str, bytes)):
        return None  # AF_UNIX path: local by definition
    return address


def _refuse(what: str) -> None:
    with _lock:
        _attempts.append(what)
    log.warning("blocked a network attempt: %s", what)
    raise NetworkBlocked(f"Strongroom works offline and blocked a network connection ({what})")


def _is_allowed(address: object) -> bool:
    """(host, port, ...) is one of the pairs settings name, or an address such a name resolved to."""
    if not (isinstance(address, tuple) and len(address) >= 2):
        return False
    pair = (_host_text(address[0]), _port(address[1]))
    with _lock:
        return pair in _allowed or pair in _resolved


def _is_allowed_name(host: object) -> bool:
    host = _host_text(host)
    with _lock:
        return host is not None and any(host == name for name, _ in _allowed)


def _check_destination(event: str, sock: object, address: object) -> None:
    if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()):
        return
    host = _address_host(address)
    if not _is_local(host) and not _is_allowed(address):
        _refuse(f"{event} to {address!r}")


def _getaddrinfo(host, port, *args, **kwargs):
    """socket.getaddrinfo that remembers what an allowed name resolves to, so the connection that
    follows (to an address, not a name) is let through on the allowed port and no other."""
    results = _original_getaddrinfo(host, port, *args, **kwargs)
    if _enabled and (_host_text(host), _port(port)) in _allowed:
        with _lock:
            _resolved.update((_host_text(r[4][0]), _port(port)) for r in results if isinstance(r[4], tuple))
    return results


def _screen_names_first() -> None:
    """connect(("example.com", 80)) resolves the name in C before the audit event fires, so a DNS
    query could leave first. The Python-level socket methods check the address before that."""
    cls = socket.socket

    def wrap(name: str, address_of):
        original = getattr(cls, name)

        def checked(self, *args):
            if _enabled and args:
                _check_destination(f"socket.{name}", self, address_of(args))
            return original(self, *args)

        checked.__name__, checked.__doc__ = original.__name__, original.__doc__
        setattr(cls, name, checked)

    wrap("connect", lambda a: a[0])
    wrap("connect_ex", lambda a: a[0])
    wrap("sendto", lambda a: a[-1])


def _hook(event: str, args: tuple) -> None:
    if not _enabled or not event.startswith("socket."):
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        _check_destination(event, args[0], args[-1])
    elif event == "socket.bind":
        # Listening on a public interface would let the network in: only loopback may be bound.
        sock, address = args[0], args[-1]
        if getattr(sock, "family", None) in (socket.AF_INET, getattr(socket, "AF_INET6", None)):
            host = _address_host(address)
            if host in ("", None) or not _is_local(host):
                _refuse(f"{event} to {address!r}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        host = args[0] if args else None
        if not _is_local(host) and not _is_allowed_name(host):
            _refuse(f"{event} for {host!r}")
    elif event == "socket.getnameinfo":
        # A reverse look-up of a public address asks a DNS server.
        host = _address_host(args[0]) if args else None
        if not _is_local(host):
            _refuse(f"{event} for {host!r}")


def install(endpoints: tuple[tuple[str, int], ...] | list = ()) -> None:
    """Turns the guard on for the rest of the process (audit hooks cannot be removed)."""
    global _installed, _enabled
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _screen_names_first()
            socket.getaddrinfo = _getaddrinfo
            _installed = True
        _enabled = True
    if endpoints:
        allow_endpoints(endpoints)


def allow_endpoints(endpoints) -> None:
    """Allows exactly these (host, port) pairs beside loopback, replacing any allowed before: the
    settings in force name them (app/core/remote/allowlist.py). An empty list closes every door."""
    pairs = set()
    for host, port in endpoints:
        name, number = _host_text(host), _port(port)
        if not name or number is None or not 0 < number < 65536:
            raise ValueError(f"not a host and port: {host!r}:{port!r}")
        pairs.add((name, number))
    with _lock:
        _allowed.clear()
        _resolved.clear()
        _allowed.update(pairs)
    if pairs:
        log.info("network allowlist: %d host:port pair(s)", len(pairs))


def allowed() -> list[str]:
    """The allowed pairs as host:port, for `strongroom doctor` (loopback is always allowed besides)."""
    with _lock:
        return sorted(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in _allowed)


def attempts() -> list[str]:
    with _lock:
        return list(_attempts)


def reset_attempts() -> None:
    with _lock:
        _attempts.clear()


def is_active() -> bool:
    return _installed and _enabled
