"""The HTTP client for a model server (httpx), and the translation of whatever goes wrong into
app.core.remote.errors: no httpx or ssl exception leaves app.core.remote.

Every response is read with a size limit (a hostile or broken server cannot fill the memory), every
wait is bounded by endpoint.timeout_s, certificates are always verified (app.core.remote.tls), and
the environment's proxy settings count only when endpoint.allow_proxy says so."""
from __future__ import annotations

import json
import ssl
from typing import Any

import httpx

import app
from app.core.privacy.guard import NetworkBlocked
from app.core.remote import errors
from app.core.remote.endpoint_config import EndpointConfig
from app.core.remote.tls import CaFileError, ssl_context

MAX_JSON = 8 * 1024 * 1024  # /v1/models of a server with hundreds of models is well under 1 MB
MAX_REASON = 200  # characters of a server's own error message quoted to the user


def open_client(config: EndpointConfig, *, keep_alive: bool = True) -> httpx.Client:
    """A client for this server. keep_alive=False: a new connection per request (a streamed answer
    needs its own socket, which cancel shuts down)."""
    try:
        verify = ssl_context(config.ca_file or None)
    except CaFileError as exc:
        raise errors.ConfigError(f"endpoint.ca_file: {exc}") from None
    headers = {"User-Agent": f"Strongroom/{app.__version__}", "Accept": "application/json"}
    auth = None
    if config.basic_auth_user:
        auth = httpx.BasicAuth(config.basic_auth_user, config.api_key or "")
    elif config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=4 if keep_alive else 0)
    return httpx.Client(verify=verify, headers=headers, auth=auth, timeout=httpx.Timeout(config.timeout_s),
                        trust_env=config.allow_proxy, follow_redirects=False, limits=limits)


def _causes(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def translate(exc: BaseException, config: EndpointConfig) -> errors.RemoteError:
    """The plain-language error for an exception raised while talking to the server."""
    if isinstance(exc, errors.RemoteError):
        return exc
    url = config.v1
    chain = list(_causes(exc))
    for cause in chain:
        if isinstance(cause, NetworkBlocked):
            return errors.Unreachable(f"Strongroom's network guard refused the connection to {url}: only the "
                                      "servers named in endpoint.url and libraries.server_url are allowed")
        if isinstance(cause, ssl.SSLCertVerificationError):
            return errors.not_trusted(url, cause.verify_message or "certificate verify failed")
    if isinstance(exc, httpx.ConnectTimeout) or isinstance(exc, httpx.PoolTimeout):
        return errors.timed_out(url, config.timeout_s)
    if isinstance(exc, httpx.TimeoutException):
        return errors.timed_out(url, config.timeout_s, "stopped answering (no data)")
    for cause in chain:
        if isinstance(cause, ssl.SSLError):
            return errors.not_trusted(url, f"the secure connection failed: {cause.reason or cause}")
    if isinstance(exc, httpx.ProxyError):
        return errors.unreachable(url, f"the proxy refused it: {exc}")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return errors.ConfigError(f"endpoint.url {url!r} is not a usable address ({exc})")
    if isinstance(exc, httpx.RemoteProtocolError):
        return errors.bad_response(url, "the connection broke or the reply was not valid HTTP")
    if isinstance(exc, httpx.ConnectError):
        root = chain[-1]
        reason = getattr(root, "strerror", None) or str(root) or type(root).__name__
        return errors.unreachable(url, reason)
    if isinstance(exc, (httpx.HTTPError, OSError)):
        return errors.unreachable(url, str(exc) or type(exc).__name__)
    return errors.RemoteError(f"talking to the model server at {url} failed ({type(exc).__name__})")


def server_reason(body: bytes) -> str:
    """The server's own short explanation of an error (OpenAI's {"error": {"message"}}, or plain
    text), cut short and stripped of control characters: it is quoted to the user as it is."""
    text = body[:4096].decode("utf-8", "replace")
    try:
        doc = json.loads(text)
        if isinstance(doc, dict):
            err = doc.get("error", doc.get("detail", doc.get("message", "")))
            text = err.get("message", "") if isinstance(err, dict) else str(err)
    except ValueError:
        pass
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text[:MAX_REASON] + ("\u2026" if len(text) > MAX_REASON else "")


def check_status(response: httpx.Response, config: EndpointConfig, body: bytes = b"") -> None:
    """Raises the plain error for a response that is not 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise errors.key_refused(status, bool(config.api_key), config.basic_auth_user)
    if status == 407:
        raise errors.unreachable(config.v1, "the proxy asks for credentials (HTTP 407); check endpoint.allow_proxy")
    if 300 <= status < 400:
        raise errors.bad_response(config.v1, f"HTTP {status}, a redirect to {response.headers.get('location', '?')[:200]}"
                                  "; put the final address in endpoint.url")
    if status == 404:
        raise errors.bad_response(config.v1, f"{response.request.url.path} is not there (HTTP 404)")
    reason = server_reason(body)
    message = (f"the model server at {config.v1} answered HTTP {status}" + (f" ({reason})" if reason else "")
               + "; try again, or ask IT to check the server")
    raise errors.HttpStatus(message, status)


def read_limited(response: httpx.Response, config: EndpointConfig, limit: int = MAX_JSON) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise errors.bad_response(config.v1, f"{response.request.url.path} sent more than {limit // 1024**2} MB")
    return bytes(body)


def request_json(client: httpx.Client, config: EndpointConfig, method: str, url: str,
                 body: dict | None = None, missing_ok: bool = False) -> Any:
    """One JSON request, size-limited; None for a 404/405 when missing_ok (an optional endpoint)."""
    try:
        with client.stream(method, url, json=body) as response:
            data = read_limited(response, config)
            if missing_ok and response.status_code in (404, 405, 501):
                return None
            check_status(response, config, data)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one plain RemoteError
        raise translate(exc, config) from None
    try:
        return json.loads(data)
    except ValueError:
        raise errors.bad_response(config.v1, f"{httpx.URL(url).path} did not send JSON") from None
