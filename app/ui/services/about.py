"""What Help › About shows: the version, where data lives, and the licences of what ships."""
from __future__ import annotations

from importlib import metadata

from app import __version__
from app.core.foundation import paths


def version() -> str:
    return __version__


def data_locations() -> list[tuple[str, str]]:
    """(what, folder or file) for everything Strongroom keeps on this computer."""
    return [
        ("Conversation history (encrypted)", str(paths.history_db())),
        ("Library indexes", str(paths.libraries_dir())),
        ("Your models", str(paths.user_models_dir())),
        ("Models provided by IT", str(paths.system_models_dir())),
        ("Settings", str(paths.settings_file())),
        ("IT policy", str(paths.policy_file())),
        ("Logs (no document text, questions or names)", str(paths.log_dir())),
        ("Cache", str(paths.cache_dir())),
    ]


def _licence(meta) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    classifiers = [c.split("::")[-1].strip() for c in (meta.get_all("Classifier") or [])
                   if c.startswith("License ::") and "OSI Approved" != c.split("::")[-1].strip()]
    if classifiers:
        return ", ".join(dict.fromkeys(classifiers))
    text = (meta.get("License") or "").strip()
    return text.splitlines()[0][:80] if text else "see the package's own files"


def licences() -> list[tuple[str, str, str]]:
    """(name, version, licence) of every Python package that ships with Strongroom, from its metadata."""
    found: dict[str, tuple[str, str, str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name") or ""
        if name and name.lower() not in found:
            found[name.lower()] = (name, dist.version, _licence(dist.metadata))
    return sorted(found.values(), key=lambda row: row[0].lower())
