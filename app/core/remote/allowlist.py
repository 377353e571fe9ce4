"""The servers this computer may reach: exactly the (host, port) pairs that endpoint.url and
libraries.server_url name (settings or IT policy), and nothing else. Loopback stays allowed by the
guard itself. Computed here, applied by the CLI at start and by the window when it reads settings."""
from __future__ import annotations

from urllib.parse import urlsplit

from app.core.privacy import guard

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_port(url: str, default_ports: dict[str, int] | None = None) -> tuple[str, int] | None:
    """(host, port) a URL connects to, None when it names none (or is not http/https)."""
    parts = urlsplit(url.strip())
    ports = default_ports or DEFAULT_PORTS
    if parts.scheme not in ports or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.hostname, port or ports[parts.scheme]


# Qdrant's REST port when libraries.server_url names none (qdrant_client's default).
QDRANT_PORTS = {"http": 6333, "https": 6333}


def endpoints(settings) -> list[tuple[str, int]]:
    qdrant = settings.get("libraries.server_url").strip()
    qdrant = qdrant if "://" in qdrant or not qdrant else f"http://{qdrant}"  # as qdrant_server.connect reads it
    pairs = [host_port(settings.get("endpoint.url")), host_port(qdrant, QDRANT_PORTS)]
    return list(dict.fromkeys(p for p in pairs if p is not None))


def apply(settings) -> list[tuple[str, int]]:
    """Opens the guard to exactly these servers; returns them."""
    allowed = endpoints(settings)
    guard.allow_endpoints(allowed)
    return allowed
