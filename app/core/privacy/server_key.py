"""The API key of the firm's Qdrant server: from STRONGROOM_QDRANT_API_KEY, else the OS keychain.

Never in settings, logs or history: a key in settings.toml would be readable by anything that reads
the user's files, and IT's policy is shared with every workstation.
"""
from __future__ import annotations

from app.core.privacy.keychain_secret import KeychainSecret

ENV = "STRONGROOM_QDRANT_API_KEY"
KEY_NAME = "qdrant-api-key"
QDRANT_KEY = KeychainSecret(ENV, KEY_NAME, "the API key")


def api_key() -> str | None:
    """The key for the server, or None when there is none (a server without authentication)."""
    return QDRANT_KEY.get()
