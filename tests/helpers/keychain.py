"""An OS keychain that cannot exist on this machine, kept in memory: for tests in this process, and for
a child process that names it in PYTHON_KEYRING_BACKEND (tests.helpers.keychain.MemoryKeychain)."""
from __future__ import annotations

from contextlib import contextmanager

import keyring
import pytest
from keyring.backend import KeyringBackend


class MemoryKeychain(KeyringBackend):
    """Stands in for an OS keychain: keeps secrets in memory."""
    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@contextmanager
def keychain_of(backend):
    """This process's keychain is `backend` inside the block; afterwards keyring is exactly as before,
    not yet chosen if it was not: a later test's PYTHON_KEYRING_BACKEND still decides then (asking
    get_keyring() here would choose one for good, MemoryKeychain first, since importing it registers it)."""
    from keyring import core

    previous = core._keyring_backend
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        core._keyring_backend = previous


@pytest.fixture
def no_keychain():
    """This process has no OS keychain (keyring's fail backend): the history key is passphrase-wrapped."""
    from keyring.backends import fail

    with keychain_of(fail.Keyring()):
        yield
