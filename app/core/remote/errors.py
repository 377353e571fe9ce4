"""What can go wrong between Strongroom and a server, each said in plain words: what happened and
what to do. Every message names the setting or the command that fixes it."""
from __future__ import annotations

KEY_HINT = "set it with `strongroom endpoint set-key` or STRONGROOM_API_KEY"


class RemoteError(RuntimeError):
    """A server could not be used; str() is the sentence the user sees."""


class ConfigError(RemoteError):
    """A setting of [endpoint] cannot work as written."""


class KeyRefused(RemoteError):
    pass


class Unreachable(RemoteError):
    pass


class TimedOut(Unreachable):
    pass


class NotTrusted(RemoteError):
    pass


class BadResponse(RemoteError):
    """The server answered something that is not what an OpenAI-compatible server sends."""


class NotServed(RemoteError):
    pass


class HttpStatus(RemoteError):
    """The server answered an HTTP error status not named above; `status` says which."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def key_refused(status: int, has_key: bool, user: str = "") -> KeyRefused:
    if user:
        return KeyRefused(f"the model server refused the user {user!r} (endpoint.basic_auth_user) and its password, "
                          f"the API key (HTTP {status}); {KEY_HINT}")
    if not has_key:
        return KeyRefused(f"the model server asks for an API key (HTTP {status}) and none is set; {KEY_HINT}")
    return KeyRefused(f"the model server refused the API key (HTTP {status}); {KEY_HINT}")


def unreachable(url: str, reason: str) -> Unreachable:
    return Unreachable(f"the model server at {url} cannot be reached ({reason}); check that it is running and "
                       "that endpoint.url is right, or ask IT")


def timed_out(url: str, timeout_s: float, while_: str = "did not answer") -> TimedOut:
    return TimedOut(f"the model server at {url} {while_} within {timeout_s:g} s (endpoint.timeout_s); check that "
                    "it is running and not overloaded, or ask IT")


def not_trusted(url: str, reason: str) -> NotTrusted:
    return NotTrusted(f"the certificate of the model server at {url} is not trusted ({reason}); name the firm's "
                      "CA certificate file in endpoint.ca_file, or ask IT")


def bad_response(url: str, what: str) -> BadResponse:
    return BadResponse(f"the model server at {url} sent a response Strongroom cannot read ({what}); check that "
                       "endpoint.url points at an OpenAI-compatible server (ending in /v1)")


def not_served(model: str, served: list[str]) -> NotServed:
    listed = ", ".join(served[:20]) + (f" and {len(served) - 20} more" if len(served) > 20 else "")
    if not model:
        return NotServed(f"endpoint.model is not set; the model server serves: {listed or 'nothing'}")
    return NotServed(f"the model server does not serve {model!r} (endpoint.model); it serves: {listed or 'nothing'}")
