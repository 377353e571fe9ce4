"""How commands reach the encrypted history: the passphrase prompt and plain-language refusals."""
from __future__ import annotations

import getpass
import os
import sys

from app.core.history.conversations import History, HistoryError
from app.core.foundation.instance import AlreadyRunning
from app.core.privacy.keystore import PASSPHRASE_ENV, KeyStore, KeyStoreError

NEW_PASSPHRASE_ENV = "STRONGROOM_NEW_PASSPHRASE"


class HistoryUnavailable(Exception):
    """Why this command cannot open the history, said so the user knows what to do."""


def tty_passphrase(new: bool) -> str | None:
    """Asks on the terminal; None when there is no terminal (scripts use STRONGROOM_PASSPHRASE)."""
    if not sys.stdin.isatty():
        return None
    if not new:
        return getpass.getpass("History passphrase: ")
    print("Conversation history is encrypted. This computer has no keychain, so choose a passphrase "
          "(you will need it to read your history).", file=sys.stderr)
    first = getpass.getpass("New history passphrase: ")
    if getpass.getpass("Repeat it: ") != first:
        raise HistoryUnavailable("the two passphrases differ; nothing was saved")
    return first


def current_passphrase() -> str:
    """The passphrase the key file is wrapped with now: STRONGROOM_PASSPHRASE, else asked on the terminal."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None and sys.stdin.isatty():
        value = getpass.getpass("Current history passphrase: ")
    if not value:
        raise HistoryUnavailable(f"no current passphrase: run this in a terminal, or set {PASSPHRASE_ENV} "
                                 f"and {NEW_PASSPHRASE_ENV} for scripted use")
    return value


def new_passphrase() -> str:
    """The passphrase to wrap the key with from now on: STRONGROOM_NEW_PASSPHRASE, else asked twice."""
    value = os.environ.get(NEW_PASSPHRASE_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise HistoryUnavailable(f"no new passphrase: run this in a terminal, or set {NEW_PASSPHRASE_ENV} "
                                 "for scripted use")
    first = getpass.getpass("New history passphrase: ")
    if getpass.getpass("Repeat it: ") != first:
        raise HistoryUnavailable("the two passphrases differ; the passphrase was not changed")
    return first


def open_cli_history(retention_days: int = 0, skip_hint: str = "", keystore: KeyStore | None = None) -> History:
    """skip_hint: how this command can run without history, added to the already-running message.

    keystore: one already unlocked by the caller; by default the passphrase comes from
    STRONGROOM_PASSPHRASE or the terminal.
    """
    try:
        return History(keystore or KeyStore(passphrase_provider=tty_passphrase), retention_days=retention_days)
    except AlreadyRunning as exc:
        raise HistoryUnavailable(f"{exc}{skip_hint}") from None
    except KeyStoreError as exc:
        raise HistoryUnavailable(f"history is locked: {exc}") from None
    except HistoryError as exc:
        raise HistoryUnavailable(str(exc)) from None


def title_for(question: str, limit: int = 60) -> str:
    """A conversation title from its first question: the first line, cut at a word."""
    line = " ".join(question.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut or line[:limit]) + "…"
