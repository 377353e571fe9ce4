"""How commands reach the encrypted history: the passphrase prompt and plain-language refusals."""
from __future__ import annotations

import getpass
import sys

from app.core.history.conversations import History, HistoryError
from app.core.foundation.instance import AlreadyRunning
from app.core.privacy.keystore import KeyStore, KeyStoreError


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


def open_cli_history(retention_days: int = 0, skip_hint: str = "") -> History:
    """skip_hint: how this command can run without history, added to the already-running message."""
    try:
        return History(KeyStore(passphrase_provider=tty_passphrase), retention_days=retention_days)
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
