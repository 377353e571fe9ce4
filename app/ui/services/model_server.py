"""The firm's model server as the window needs it: storing its API key in the OS keychain (the
settings dialog's "Set API key…"), and the note under an answer whose stream broke."""
from __future__ import annotations

from app.core.engine.interface import CUT_OFF, CUT_OFF_NOTE
from app.core.privacy.keystore import KeyStoreError
from app.core.remote.endpoint_config import API_KEY


def store_api_key(key: str) -> None:
    """Keeps the key in the OS keychain (blocking: call from a worker); KeyStoreError in plain words."""
    API_KEY.set(key)


def api_key_source() -> str | None:
    """"environment", "keychain" or None (blocking: it asks the keychain)."""
    return API_KEY.source()


__all__ = ["CUT_OFF", "CUT_OFF_NOTE", "KeyStoreError", "api_key_source", "store_api_key"]
