"""The API key of the firm's Qdrant server: from STRONGROOM_QDRANT_API_KEY, else the OS keychain.

Never in settings, logs or history: a key in settings.toml would be readable by anything that reads
the user's files, and IT's policy is shared with every workstation.
"""
from __future__ import annotations

import os

from app.core.privacy.keystore import SERVICE, KeyStoreError, keychain_backend

ENV = "STRONGROOM_QDRANT_API_KEY"
KEY_NAME = "qdrant-api-key"
MAX_KEY = 4096  # a pasted key longer than this is a mistake (a file, a whole document)


def api_key() -> str | None:
    """The key for the server, or None when there is none (a server without authentication)."""
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        return from_env
    backend = keychain_backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, KEY_NAME) or None
    except Exception:  # noqa: BLE001 - a locked or broken keychain is "no key", the server then says 401
        return None


def set_api_key(key: str) -> None:
    """Keeps the key in the OS keychain; KeyStoreError in plain words when it cannot."""
    key = (key or "").strip()
    if not key:
        raise KeyStoreError("the API key is empty")
    if len(key) > MAX_KEY or any(ch.isspace() for ch in key):
        raise KeyStoreError("that does not look like an API key (it is too long or contains spaces)")
    backend = keychain_backend()
    if backend is None:
        raise KeyStoreError(f"this computer has no OS keychain to keep the key in; set {ENV} in the "
                            "environment instead")
    try:
        backend.set_password(SERVICE, KEY_NAME, key)
    except Exception as exc:  # noqa: BLE001 - the backend's own error types vary by OS
        raise KeyStoreError(f"the OS keychain refused to store the key ({type(exc).__name__})") from None
