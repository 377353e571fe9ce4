"""Storing a server's key from the terminal: typed at a hidden prompt, or read from stdin for scripts.
Never an argument: command lines are visible to other users (`ps`) and kept in shell history."""
from __future__ import annotations

import getpass
import sys

from app.cli import fail
from app.core.privacy.keychain_secret import KeychainSecret
from app.core.privacy.keystore import KeyStoreError

MAX_STDIN = 64 * 1024


def store_secret(secret: KeychainSecret, prompt: str) -> int:
    """Reads the key and keeps it in the OS keychain; the exit status of the command."""
    key = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.read(MAX_STDIN).strip()
    try:
        secret.set(key)
    except KeyStoreError as exc:
        return fail(str(exc))
    print("The API key is stored in the OS keychain.")
    if secret.source() == "environment":
        print(f"strongroom: note: {secret.env} is set in this environment and is used instead.", file=sys.stderr)
    return 0
