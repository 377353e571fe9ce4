"""The history key: passphrase-wrapped (this machine: no keychain) and keychain-held (a fake backend
stands in for the macOS / Windows keychain, which cannot exist here)."""
import json
import os
import stat

import keyring
import pytest
from keyring.backends import fail

from app.core.privacy import keystore as ks
from app.core.privacy.keystore import (KeyFileDamaged, KeyStore, KeyStoreError, Locked, NoPassphrase, PassphraseNeeded,
                                       WrongPassphrase)
from tests.helpers.keychain import MemoryKeychain

PASS = "correct horse battery staple"


class PlaintextFileKeyring(MemoryKeychain):
    """Looks like keyrings.alt, which keeps secrets in base64 files."""


PlaintextFileKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def backend():
    """Sets a keyring backend for one test, then restores the machine's own."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


@pytest.fixture
def no_keychain(backend):
    backend(fail.Keyring())


def test_without_keychain_a_new_passphrase_creates_an_owner_only_key_file(no_keychain):
    store = KeyStore()
    assert store.method == "passphrase" and store.needs_new_passphrase and store.is_locked
    store.unlock(PASS)
    key = store.key()
    assert len(key) == 32 and not store.is_locked
    assert stat.S_IMODE(os.stat(store.key_file).st_mode) == 0o600
    doc = json.loads(store.key_file.read_text())
    assert doc["kdf"] == "scrypt" and doc["n"] >= 2**15
    assert key.hex() not in store.key_file.read_text()
    again = KeyStore()
    assert not again.needs_new_passphrase
    again.unlock(PASS)
    assert again.key() == key


def test_passphrase_from_environment_for_scripted_use(no_keychain, monkeypatch):
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASS)
    first = KeyStore()
    first.unlock()
    second = KeyStore()
    second.unlock()
    assert first.key() == second.key()


def test_no_passphrase_available_says_how_to_give_one(no_keychain):
    store = KeyStore()
    with pytest.raises(PassphraseNeeded, match="STRONGROOM_PASSPHRASE"):
        store.unlock()
    assert not store.key_file.exists() and store.is_locked


def test_provider_is_asked_for_a_new_then_an_existing_passphrase(no_keychain):
    asked = []

    def provider(new):
        asked.append(new)
        return PASS

    KeyStore(passphrase_provider=provider).unlock()
    KeyStore(passphrase_provider=provider).unlock()
    assert asked == [True, False]


def test_short_new_passphrase_is_refused(no_keychain):
    store = KeyStore()
    with pytest.raises(PassphraseNeeded, match="at least"):
        store.unlock("short")
    assert not store.key_file.exists()


def test_wrong_passphrase_is_refused_and_nothing_is_overwritten(no_keychain):
    KeyStore().unlock(PASS)
    store = KeyStore()
    before = store.key_file.read_bytes()
    with pytest.raises(WrongPassphrase, match="does not unlock"):
        store.unlock("not the passphrase at all")
    assert store.is_locked and store.key_file.read_bytes() == before
    store.unlock(PASS)
    assert not store.is_locked


def test_lock_forgets_the_key(no_keychain):
    store = KeyStore()
    store.unlock(PASS)
    store.lock()
    with pytest.raises(Locked, match="locked"):
        store.key()


def test_change_passphrase_rewraps_the_same_key(no_keychain):
    store = KeyStore()
    store.unlock(PASS)
    key = store.key()
    with pytest.raises(WrongPassphrase):
        store.change_passphrase("wrong wrong wrong", "another long passphrase")
    store.change_passphrase(PASS, "another long passphrase")
    with pytest.raises(WrongPassphrase):
        KeyStore().unlock(PASS)
    fresh = KeyStore()
    fresh.unlock("another long passphrase")
    assert fresh.key() == key


@pytest.mark.parametrize("old, new, error", [
    ("wrong wrong wrong", "another long passphrase", WrongPassphrase),
    (PASS, "short", PassphraseNeeded),
], ids=["wrong-old", "short-new"])
def test_a_refused_change_writes_nothing_and_keeps_the_key(no_keychain, old, new, error):
    store = KeyStore()
    store.unlock(PASS)
    key, before = store.key(), store.key_file.read_bytes()
    with pytest.raises(error):
        store.change_passphrase(old, new)
    assert store.key_file.read_bytes() == before and store.key() == key


def test_change_passphrase_works_on_a_locked_store_too(no_keychain):
    KeyStore().unlock(PASS)
    store = KeyStore()
    store.change_passphrase(PASS, "another long passphrase")
    assert not store.is_locked
    fresh = KeyStore()
    fresh.unlock("another long passphrase")
    assert fresh.key() == store.key()


def test_a_key_file_replaced_since_unlock_is_not_rewrapped(no_keychain):
    store = KeyStore()
    store.unlock(PASS)
    store.key_file.unlink()
    KeyStore().unlock(PASS)  # a new key file, with a new key, under the same passphrase
    replaced = store.key_file.read_bytes()
    with pytest.raises(KeyStoreError, match="no longer holds the key in use"):
        store.change_passphrase(PASS, "another long passphrase")
    assert store.key_file.read_bytes() == replaced


def test_without_a_key_file_there_is_no_passphrase_to_change(no_keychain):
    store = KeyStore()
    with pytest.raises(NoPassphrase, match="chosen the first time"):
        store.change_passphrase(PASS, "another long passphrase")
    assert not store.key_file.exists()


def _valid_doc():
    store = KeyStore()
    store.unlock(PASS)
    return json.loads(store.key_file.read_text())


@pytest.mark.parametrize("mutate", [
    lambda d: b"\x00\xff garbage \x89PNG",
    lambda d: b"[1, 2, 3]",
    lambda d: json.dumps({**d, "format": "something-else"}).encode(),
    lambda d: json.dumps({**d, "version": 99}).encode(),
    lambda d: json.dumps({**d, "n": 2**40}).encode(),  # would need terabytes: refused before deriving
    lambda d: json.dumps({**d, "n": 1000}).encode(),
    lambda d: json.dumps({**d, "r": "eight"}).encode(),
    lambda d: json.dumps({**d, "salt": "***not base64***"}).encode(),
    lambda d: json.dumps({**d, "wrapped_key": "AAAA"}).encode(),
    lambda d: json.dumps({k: v for k, v in d.items() if k != "nonce"}).encode(),
], ids=["binary", "not-object", "format", "version", "huge-n", "n-not-power-of-2", "r-text", "salt", "short-key", "no-nonce"])
def test_hostile_key_file_gives_a_clear_error_and_is_kept(no_keychain, mutate):
    doc = _valid_doc()
    path = KeyStore().key_file
    hostile = mutate(doc)
    path.write_bytes(hostile)
    store = KeyStore()
    with pytest.raises(KeyFileDamaged) as err:
        store.unlock(PASS)
    assert str(path) in str(err.value)
    assert path.read_bytes() == hostile and store.is_locked


def test_tampered_wrapped_key_fails_authentication(no_keychain):
    doc = _valid_doc()
    import base64

    raw = bytearray(base64.b64decode(doc["wrapped_key"]))
    raw[0] ^= 1
    doc["wrapped_key"] = base64.b64encode(bytes(raw)).decode()
    KeyStore().key_file.write_text(json.dumps(doc))
    with pytest.raises(WrongPassphrase):
        KeyStore().unlock(PASS)


# -- with a keychain (fake backend: the OS keychains cannot exist on this machine) -------------------
def test_keychain_holds_the_key_and_no_key_file_is_written(backend):
    chain = MemoryKeychain()
    backend(chain)
    store = KeyStore()
    assert store.method == "keychain" and not store.needs_new_passphrase
    store.unlock()  # no passphrase asked
    assert not store.key_file.exists()
    assert (ks.SERVICE, ks.KEY_NAME) in chain.secrets
    again = KeyStore()
    again.unlock()
    assert again.key() == store.key()


def test_a_keychain_key_has_no_passphrase_to_change(backend):
    chain = MemoryKeychain()
    backend(chain)
    store = KeyStore()
    store.unlock()
    with pytest.raises(NoPassphrase, match="OS keychain"):
        store.ensure_passphrase_wrapped()
    with pytest.raises(NoPassphrase, match="no passphrase to change"):
        store.change_passphrase(PASS, "another long passphrase")
    assert not store.key_file.exists() and len(chain.secrets) == 1


def test_plaintext_keyrings_alt_backend_counts_as_no_keychain(backend):
    backend(PlaintextFileKeyring())
    assert ks.keychain_backend() is None
    store = KeyStore()
    assert store.method == "passphrase"
    with pytest.raises(PassphraseNeeded):
        store.unlock()


def test_damaged_keychain_entry_is_reported_not_replaced(backend):
    chain = MemoryKeychain()
    chain.secrets[(ks.SERVICE, ks.KEY_NAME)] = "not-a-key"
    backend(chain)
    with pytest.raises(KeyStoreError, match="damaged"):
        KeyStore().unlock()
    assert chain.secrets[(ks.SERVICE, ks.KEY_NAME)] == "not-a-key"


def test_existing_key_file_wins_over_a_keychain_that_appears_later(backend):
    backend(fail.Keyring())
    first = KeyStore()
    first.unlock(PASS)
    chain = MemoryKeychain()
    backend(chain)
    later = KeyStore()
    assert later.method == "passphrase"
    later.unlock(PASS)
    assert later.key() == first.key() and chain.secrets == {}
