"""The history's tests run on a real SQLite file with the real scrypt-wrapped key: no keychain here,
so the key is wrapped by a passphrase from STRONGROOM_PASSPHRASE."""
import keyring
import pytest
from keyring.backends import fail

from app.core.foundation import instance
from app.core.history.conversations import History
from app.core.privacy.keystore import KeyStore

PASS = "a long enough passphrase"


@pytest.fixture(autouse=True)
def passphrase_only(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASS)
    yield
    keyring.set_keyring(previous)
    instance.release()


@pytest.fixture
def hist():
    h = History(KeyStore())
    yield h
    h.close()
