"""The history data key: a random 256-bit key, kept in the OS keychain or wrapped by a passphrase.

With a real keychain (macOS Keychain, Windows Credential Locker, Secret Service) the key lives there.
Headless Linux has none: then the key is wrapped with a key derived from a passphrase (scrypt) and the
wrapped key sits in `history.key` in the data dir. Plaintext storage is never a fallback: `keyrings.alt`
backends (which keep secrets in base64 files) count as no keychain at all.

Once a key file exists it stays the source of truth, even if a keychain appears later: the history
was encrypted under that key.
"""
from __future__ import annotations

import base64
import hmac
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.core.foundation import paths
from app.core.foundation.atomic import write_atomic

log = logging.getLogger(__name__)

SERVICE = "Strongroom"
KEY_NAME = "history-key"
PASSPHRASE_ENV = "STRONGROOM_PASSPHRASE"
KEY_FILE_FORMAT = "strongroom-history-key"
KEY_FILE_VERSION = 1
# scrypt n=2**15, r=8 needs 32 MB per derivation: bearable once per unlock, costly for every guess.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
# Bounds for values read from the file, so a hostile file cannot demand gigabytes of memory.
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = 2**20, 16, 4
MIN_PASSPHRASE = 8
_WRAP_AAD = b"strongroom/history-key/v1"

# Asked for a passphrase: called with new=True when one is being chosen (the UI asks twice).
PassphraseProvider = Callable[[bool], "str | None"]


class KeyStoreError(Exception):
    """Anything that keeps the history key out of reach, said in plain words."""


class PassphraseNeeded(KeyStoreError):
    pass


class WrongPassphrase(KeyStoreError):
    pass


class KeyFileDamaged(KeyStoreError):
    pass


class Locked(KeyStoreError):
    pass


class NoPassphrase(KeyStoreError):
    """The key is not wrapped with a passphrase (it is in the OS keychain, or not created yet)."""


def keychain_backend():
    """The OS keychain backend, or None when there is no trustworthy one."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring config must not stop the app
        log.warning("keyring unavailable: %s", type(exc).__name__)
        return None
    if isinstance(backend, chainer.ChainerBackend):
        backends = [b for b in backend.backends if _trusted(b, fail, null)]
        return backend if backends else None
    return backend if _trusted(backend, fail, null) else None


def _trusted(backend, fail, null) -> bool:
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return False
    # keyrings.alt stores secrets in plaintext or base64 files: no better than no keychain.
    return not type(backend).__module__.startswith("keyrings.alt")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeyFileDamaged(f"the key file has no valid {what}")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise KeyFileDamaged(f"the key file has no valid {what}") from None


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


class KeyStore:
    """Hands the history its data key; forgets it on lock(). Thread-safe."""

    def __init__(self, key_file: Path | None = None, passphrase_provider: PassphraseProvider | None = None,
                 use_keychain: bool = True):
        self.key_file = Path(key_file) if key_file else paths.data_dir() / "history.key"
        self.passphrase_provider = passphrase_provider
        self._use_keychain = use_keychain
        self._key: bytes | None = None
        self._lock = threading.Lock()

    # -- state ----------------------------------------------------------------
    @property
    def method(self) -> str:
        """"passphrase" when a key file exists or no keychain is usable, else "keychain"."""
        if self.key_file.exists() or not self._use_keychain or keychain_backend() is None:
            return "passphrase"
        return "keychain"

    @property
    def is_locked(self) -> bool:
        return self._key is None

    @property
    def needs_new_passphrase(self) -> bool:
        """True before the first unlock on a machine without keychain: the user chooses a passphrase."""
        return self.method == "passphrase" and not self.key_file.exists()

    def key(self) -> bytes:
        key = self._key
        if key is None:
            raise Locked("History is locked. Unlock it to read or save conversations.")
        return key

    def lock(self) -> None:
        with self._lock:
            self._key = None

    # -- unlocking ------------------------------------------------------------
    def unlock(self, passphrase: str | None = None) -> None:
        """Loads the key: from the keychain, or by unwrapping the key file with a passphrase.

        The passphrase comes from the argument, else STRONGROOM_PASSPHRASE, else the provider.
        """
        with self._lock:
            if self._key is not None:
                return
            if self.method == "keychain":
                self._key = self._from_keychain()
            elif self.key_file.exists():
                self._key = self._unwrap(self._passphrase(passphrase, new=False))
            else:
                self._key = self._create_key_file(self._passphrase(passphrase, new=True))

    def _passphrase(self, given: str | None, new: bool) -> str:
        value = given if given is not None else os.environ.get(PASSPHRASE_ENV)
        if value is None and self.passphrase_provider is not None:
            value = self.passphrase_provider(new)
        if not value:
            raise PassphraseNeeded(
                "History is encrypted with a passphrase because this computer has no keychain. "
                f"Enter it when asked, or set the {PASSPHRASE_ENV} environment variable for scripted use."
            )
        if new and len(value) < MIN_PASSPHRASE:
            raise PassphraseNeeded(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
        return value

    def _from_keychain(self) -> bytes:
        import keyring
        from keyring.errors import KeyringError

        try:
            stored = keyring.get_password(SERVICE, KEY_NAME)
            if stored is None:
                key = AESGCM.generate_key(bit_length=256)
                keyring.set_password(SERVICE, KEY_NAME, _b64(key))
                log.info("created a new history key in the keychain")
                return key
        except KeyringError as exc:
            raise KeyStoreError(f"The keychain refused access to the history key ({exc}).") from exc
        try:
            key = base64.b64decode(stored.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            key = b""
        if len(key) != 32:
            # Never replaced silently: the history may be encrypted under the real one.
            raise KeyStoreError(f"The history key in the keychain ({SERVICE}/{KEY_NAME}) is damaged.")
        return key

    def _read_key_file(self) -> dict:
        try:
            doc = json.loads(self.key_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise KeyFileDamaged(f"The history key file {self.key_file} cannot be read ({exc}).") from None
        if not isinstance(doc, dict) or doc.get("format") != KEY_FILE_FORMAT:
            raise KeyFileDamaged(f"{self.key_file} is not a Strongroom key file.")
        if doc.get("version") != KEY_FILE_VERSION:
            raise KeyFileDamaged(f"{self.key_file} has an unknown version ({doc.get('version')!r}).")
        for name, top in (("n", MAX_SCRYPT_N), ("r", MAX_SCRYPT_R), ("p", MAX_SCRYPT_P)):
            value = doc.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise KeyFileDamaged(f"{self.key_file} has an invalid scrypt parameter '{name}'.")
        if doc["n"] & (doc["n"] - 1) or doc["n"] < 2:
            raise KeyFileDamaged(f"{self.key_file} has an invalid scrypt parameter 'n'.")
        return doc

    def _unwrap(self, passphrase: str) -> bytes:
        doc = self._read_key_file()
        try:
            salt = _unb64(doc.get("salt"), "salt")
            nonce = _unb64(doc.get("nonce"), "nonce")
            wrapped = _unb64(doc.get("wrapped_key"), "wrapped key")
        except KeyFileDamaged as exc:
            raise KeyFileDamaged(f"{self.key_file}: {exc}.") from None
        if len(salt) < 16 or len(nonce) != 12 or len(wrapped) != 48:
            raise KeyFileDamaged(f"{self.key_file} is damaged (wrong field sizes).")
        kek = _derive(passphrase, salt, doc["n"], doc["r"], doc["p"])
        try:
            return AESGCM(kek).decrypt(nonce, wrapped, _WRAP_AAD)
        except InvalidTag:
            # The GCM tag is the verifier: a wrong passphrase and a tampered file look the same.
            raise WrongPassphrase("That passphrase does not unlock the history.") from None

    def _create_key_file(self, passphrase: str) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        self._write_key_file(key, passphrase)
        log.info("created a new passphrase-protected history key file")
        return key

    def _write_key_file(self, key: bytes, passphrase: str) -> None:
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        kek = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        doc = {
            "format": KEY_FILE_FORMAT, "version": KEY_FILE_VERSION, "kdf": "scrypt",
            "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
            "salt": _b64(salt), "nonce": _b64(nonce),
            "wrapped_key": _b64(AESGCM(kek).encrypt(nonce, key, _WRAP_AAD)),
        }
        write_atomic(self.key_file, json.dumps(doc, indent=1), mode=0o600)

    def ensure_passphrase_wrapped(self) -> None:
        """Raises NoPassphrase unless the key sits in a key file wrapped with a passphrase."""
        if self.key_file.exists():
            return
        if self.method == "keychain":
            raise NoPassphrase("The history key is kept in the OS keychain: there is no passphrase to change.")
        raise NoPassphrase("No history passphrase has been chosen yet: it is chosen the first time the "
                           "history is opened.")

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wraps the same data key under `new`: the history itself is not rewritten.

        Nothing is written unless `old` unwraps the key file and `new` is long enough.
        """
        with self._lock:
            self.ensure_passphrase_wrapped()
            key = self._unwrap(old)
            if len(new) < MIN_PASSPHRASE:
                raise PassphraseNeeded(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
            if self._key is not None and not hmac.compare_digest(key, self._key):
                # The file was replaced since unlock: re-wrapping it would hand out a key nobody uses.
                raise KeyStoreError(f"{self.key_file} no longer holds the key in use; nothing was changed.")
            self._write_key_file(key, new)
            self._key = key
