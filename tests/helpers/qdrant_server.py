"""The firm's Qdrant server for tests: qdrant-client's local mode in a temp folder (the Qdrant server
binary is not installable on the development machines), or a real server when STRONGROOM_TEST_QDRANT_URL
(and STRONGROOM_TEST_QDRANT_API_KEY) are set: the same tests then run against it."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

URL_ENV, KEY_ENV = "STRONGROOM_TEST_QDRANT_URL", "STRONGROOM_TEST_QDRANT_API_KEY"
LOCAL_URL = "http://127.0.0.1:6333"  # what libraries.server_url says in local mode (used in messages only)


class FirmServer:
    def __init__(self, path: Path | None = None, url: str | None = None, key: str | None = None):
        self.path, self.url, self.key = path, url, key
        self.real = url is not None
        self.created: list[str] = []  # library names made on a real server, removed afterwards

    @property
    def settings_url(self) -> str:
        return self.url or LOCAL_URL

    def client(self):
        """A new connection, as each workstation (or each open library) makes its own."""
        if self.real:
            from app.core.remote.qdrant_server import connect

            return connect(self.url, self.key)
        from qdrant_client import QdrantClient

        return QdrantClient(path=str(self.path))

    def name(self, base: str) -> str:
        """A library name that no other test run on a shared real server uses."""
        name = f"{base} {uuid.uuid4().hex[:8]}" if self.real else base
        self.created.append(name)
        return name

    def cleanup(self) -> None:
        if not self.real or not self.created:
            return
        from app.core.index import server_catalog

        client = self.client()
        try:
            for name in self.created:
                entry = server_catalog.find(client, name)
                if entry:
                    client.delete_collection(entry["collection"])
                    client.delete(server_catalog.CATALOG, points_selector=[server_catalog._point_id(name)])
        finally:
            client.close()


@pytest.fixture
def firm_server(tmp_path, monkeypatch):
    """The server every library "on the firm's server" in the test connects to."""
    from app.core.library import server_library
    from app.core.privacy import guard

    url = os.environ.get(URL_ENV, "").strip()
    if url:
        guard.install((urlsplit(url).hostname,))
        server = FirmServer(url=url, key=os.environ.get(KEY_ENV) or None)
    else:
        server = FirmServer(path=tmp_path / "firm-qdrant")
    monkeypatch.setattr(server_library, "connect_client", lambda settings: server.client())
    yield server
    server.cleanup()
