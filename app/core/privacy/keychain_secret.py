"""One secret for one server (an API key, a password): from an environment variable, else the OS
keychain. Never in settings, logs or history: settings.toml is readable by anything that reads the
user's files, and IT's policy is shared with every workstation.

The model server's key (app.core.remote.endpoint_config) and the firm's Qdrant server's key are two
KeychainSecret values; the environment wins so a managed deployment can hand the key in without a
keychain (headless Linux has none)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from app.core.privacy.keystore import SERVICE, KeyStoreError, keychain_backend

MAX_SECRET = 4096  # a pasted key longer than this is a mistake (a file, a whole document)


@dataclass(frozen=True)
class KeychainSecret:
    env: str  # STRONGROOM_API_KEY
    key_name: str  # the keychain entry under the "Strongroom" service
    what: str = "the API key"  # in messages: "the API key is empty"

    def get(self) -> str | None:
        """The secret, or None when there is none."""
        from_env = os.environ.get(self.env, "").strip()
        if from_env:
            return from_env
        backend = keychain_backend()
        if backend is None:
            return None
        try:
            return backend.get_password(SERVICE, self.key_name) or None
        except Exception:  # noqa: BLE001 - a locked or broken keychain is "no key": the server then says 401
            return None

    def source(self) -> str | None:
        """Where get() finds it: "environment", "keychain", or None."""
        if os.environ.get(self.env, "").strip():
            return "environment"
        return "keychain" if self.get() else None

    def set(self, value: str) -> None:
        """Keeps the secret in the OS keychain; KeyStoreError in plain words when it cannot."""
        value = (value or "").strip()
        if not value:
            raise KeyStoreError(f"{self.what} is empty")
        if len(value) > MAX_SECRET or any(ch.isspace() for ch in value):
            raise KeyStoreError(f"that does not look like {self.what} (it is too long or contains spaces)")
        backend = self._backend()
        try:
            backend.set_password(SERVICE, self.key_name, value)
        except Exception as exc:  # noqa: BLE001 - the backend's own error types vary by OS
            raise KeyStoreError(f"the OS keychain refused to store {self.what} ({type(exc).__name__})") from None

    def clear(self) -> bool:
        """Removes it from the keychain; False when there was none there."""
        backend = self._backend()
        try:
            if backend.get_password(SERVICE, self.key_name) is None:
                return False
            backend.delete_password(SERVICE, self.key_name)
            return True
        except Exception as exc:  # noqa: BLE001 - the backend's own error types vary by OS
            raise KeyStoreError(f"the OS keychain refused to remove {self.what} ({type(exc).__name__})") from None

    def _backend(self):
        backend = keychain_backend()
        if backend is None:
            raise KeyStoreError(f"this computer has no OS keychain to keep {self.what} in; set {self.env} "
                                "in the environment instead")
        return backend
