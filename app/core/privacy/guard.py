"""The no-network guard: an audit hook that refuses every connection leaving this machine.

Strongroom never needs the network. Libraries it uses sometimes try (Hugging Face hub look-ups,
telemetry); the hook turns any such attempt into an exception and a log line, before a packet leaves.
Loopback stays allowed (Qt's single-instance socket, a firm's Qdrant server on localhost).
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
_allowed_hosts: set[str] = set()


class NetworkBlocked(PermissionError):
    pass


def offline_environment() -> None:
    """Must run before any Hugging Face import: otherwise they look up the hub."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[name] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _is_local(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%")[0]
    if host in ("localhost", "") or host in _allowed_hosts:
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


def _check_destination(event: str, sock: object, address: object) -> None:
    if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()):
        return
    host = _address_host(address)
    if not _is_local(host):
        _refuse(f"{event} to {address!r}")


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
        if not _is_local(host):
            _refuse(f"{event} for {host!r}")
    elif event == "socket.getnameinfo":
        # A reverse look-up of a public address asks a DNS server.
        host = _address_host(args[0]) if args else None
        if not _is_local(host):
            _refuse(f"{event} for {host!r}")


def install(allowed_hosts: tuple[str, ...] = ()) -> None:
    """Turns the guard on for the rest of the process (audit hooks cannot be removed)."""
    global _installed, _enabled
    with _lock:
        _allowed_hosts.update(allowed_hosts)
        if not _installed:
            sys.addaudithook(_hook)
            _screen_names_first()
            _installed = True
        _enabled = True


def attempts() -> list[str]:
    with _lock:
        return list(_attempts)


def reset_attempts() -> None:
    with _lock:
        _attempts.clear()


def is_active() -> bool:
    return _installed and _enabled
