"""The [endpoint] settings and the API key, read together and checked before any connection."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.core.privacy.keychain_secret import KeychainSecret
from app.core.remote.allowlist import DEFAULT_PORTS, host_port
from app.core.remote.errors import ConfigError

# The model server's key: STRONGROOM_API_KEY, else the OS keychain. Sent as "Authorization: Bearer",
# or as the HTTP Basic password of endpoint.basic_auth_user (a proxy such as nginx in front).
API_KEY = KeychainSecret("STRONGROOM_API_KEY", "endpoint-api-key", "the API key")

@dataclass(frozen=True)
class EndpointConfig:
    url: str
    model: str = ""
    ca_file: str = ""
    timeout_s: float = 30.0
    max_context: int = 4096
    allow_proxy: bool = False
    basic_auth_user: str = ""
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings) -> "EndpointConfig":
        """The settings in force plus the key (read now: set-key takes effect at the next load)."""
        return cls(**{name: settings.get(f"endpoint.{name}") for name in
                      ("url", "model", "ca_file", "timeout_s", "max_context", "allow_proxy", "basic_auth_user")},
                   api_key=API_KEY.get())

    @property
    def v1(self) -> str:
        """The OpenAI API's base: .../v1, no trailing slash."""
        return self.url.strip().rstrip("/")

    @property
    def root(self) -> str:
        """The server's own base, where llama.cpp and vLLM keep /tokenize and /props."""
        return self.v1[: -len("/v1")] if self.v1.endswith("/v1") else self.v1

    @property
    def https(self) -> bool:
        return self.v1.lower().startswith("https://")

    def check(self) -> "EndpointConfig":
        """Raises ConfigError, in plain words, when the settings cannot work; returns self."""
        if not self.url.strip():
            raise ConfigError("no model server is configured: set endpoint.url (for example "
                              "https://llm.example-firm.internal/v1), or set model.backend = \"local\"")
        parts = urlsplit(self.v1)
        if parts.scheme not in DEFAULT_PORTS or host_port(self.v1) is None:
            raise ConfigError(f"endpoint.url {self.url!r} is not an http:// or https:// address with a host")
        if parts.username or parts.password:
            raise ConfigError("endpoint.url must not hold a user name or password: the key belongs in the OS "
                              "keychain (`strongroom endpoint set-key`) or STRONGROOM_API_KEY")
        if self.timeout_s <= 0:
            raise ConfigError(f"endpoint.timeout_s must be more than 0 seconds, not {self.timeout_s:g}")
        if self.max_context < 256:
            raise ConfigError(f"endpoint.max_context must be at least 256 tokens, not {self.max_context}")
        return self
