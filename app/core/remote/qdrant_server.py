"""A connection to the firm's Qdrant server, and its failures in words a lawyer can pass to IT.

Every request the app makes to the server goes through a client made here; the store logic over it
lives in app/core/index/server_store.py. Errors are explained by `explain`: server down, a key the
server refuses, a certificate this computer does not trust, an answer that is not Qdrant's.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import ssl
import warnings
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
KEY_COMMAND = "strongroom library set-server-key"


class ServerError(RuntimeError):
    """The firm's Qdrant server cannot be used now; the message says why and what to do."""


class ServerUnreachable(ServerError):
    pass


class ServerRefusedKey(ServerError):
    pass


class ServerNotTrusted(ServerError):
    pass


def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    from app.core.remote import tls  # the OS trust store plus IT's CA file

    try:
        return tls.ssl_context(ca_file)
    except tls.CaFileError as exc:
        raise ServerNotTrusted(f"The firm's Qdrant server cannot be checked: {exc}.") from None


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(url: str, api_key: str | None, ca_file: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S):
    """A QdrantClient for `url`, checked with one request: ServerError (plain words) within about
    `timeout_s` when the server is down, refuses the key or is not trusted."""
    from qdrant_client import QdrantClient

    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServerError(f"libraries.server_url {url!r} is not a server address; it looks like "
                          "https://qdrant.example-firm.internal:6333")
    extra = {"verify": _ssl_context(ca_file)} if parts.scheme == "https" else {}
    # check_compatibility off: the client's own version probe would be a second, unexplained request.
    if api_key and parts.scheme == "http" and not _is_loopback(parts.hostname):
        log.warning("the Qdrant server's API key is sent without TLS (libraries.server_url starts with http://)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the client's own insecure-key warning: logged above, once, in words
        client = QdrantClient(url=parts.geturl(), api_key=api_key or None, timeout=max(1, math.ceil(timeout_s)),
                              check_compatibility=False, **extra)
    try:
        with plain_errors(url, timeout_s):
            client.get_collections()
    except BaseException:
        client.close()
        raise
    return client


@contextmanager
def plain_errors(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Turns what qdrant-client and httpx raise into a ServerError that says what happened."""
    try:
        yield
    except ServerError:
        raise
    except Exception as exc:  # noqa: BLE001 - explain() decides; anything it does not know passes on
        explained = explain(exc, url, timeout_s)
        if explained is None:
            raise
        raise explained from exc


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = getattr(exc, "source", None) or exc.__cause__ or exc.__context__


def explain(exc: BaseException, url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> ServerError | None:
    """The plain-language ServerError for what a request raised; None for errors that are not the server's."""
    import json

    import httpx
    import pydantic
    from qdrant_client.http.exceptions import UnexpectedResponse

    from app.core.privacy.guard import NetworkBlocked

    where = f"The firm's Qdrant server ({url})"
    causes = list(_causes(exc))

    def first(kind):
        return next((c for c in causes if isinstance(c, kind)), None)

    if first(NetworkBlocked):
        return ServerUnreachable(f"{where} is not on this computer's network allowlist, so Strongroom did not "
                                 "connect. Ask IT to set libraries.server_url in the policy.")
    if cert := first(ssl.SSLCertVerificationError):
        return ServerNotTrusted(f"{where} presented a certificate this computer does not trust "
                                f"({cert.verify_message or cert.reason}). Ask IT for the firm's CA certificate.")
    if refused := first(UnexpectedResponse):
        if refused.status_code in (401, 403):
            return ServerRefusedKey(
                f"{where} refused the API key ({refused.status_code} {refused.reason_phrase}). Set the key IT gave "
                f"you with `{KEY_COMMAND}` (or STRONGROOM_QDRANT_API_KEY).")
        return ServerError(f"{where} answered with an error ({refused.status_code} {refused.reason_phrase}).")
    if first((httpx.TimeoutException, TimeoutError)):
        return ServerUnreachable(f"{where} did not answer within {timeout_s:g} seconds. It may be down or "
                                 "overloaded; try again later or tell IT.")
    if first((httpx.TransportError, ConnectionError)):
        return ServerUnreachable(f"{where} cannot be reached: it may be down, or this computer is not on "
                                 "the firm's network.")
    if garbled := first((json.JSONDecodeError, pydantic.ValidationError, UnicodeDecodeError)):
        return ServerError(f"{where} sent an answer that is not Qdrant's ({type(garbled).__name__}). "
                           "Check libraries.server_url.")
    return None
