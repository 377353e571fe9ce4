"""Typed settings: defaults < user settings.toml < IT policy.

The user file carries `schema_version`; older files are migrated in order. A policy file
(`policy.toml`) has the same sections: every value it sets is enforced and locked.
A broken user file never stops the app: it is kept as settings.toml.bak and the defaults apply.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, get_type_hints

import tomli_w

from app.core.foundation import paths
from app.core.foundation.atomic import write_atomic

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2


@dataclass
class ModelSettings:
    backend: str = "local"  # local: a GGUF on this computer; endpoint: the firm's model server ([endpoint])
    default_model: str = "smollm2-135m-instruct"
    n_ctx: int = 4096
    n_threads: int = 0  # 0: one per physical core
    gpu_offload: bool = True
    allow_unverified: bool = True  # side-loaded GGUFs that the catalog does not know
    allow_mismatch: bool = False  # files whose sha256 differs from the catalog
    allowed_models: list[str] = field(default_factory=list)  # empty: any


@dataclass
class SamplingSettings:
    temperature: float = 0.2
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int = 512
    seed: int = -1


@dataclass
class RetrievalSettings:
    embedding_model: str = "all-minilm-l6-v2"
    top_k: int = 6
    # Passage text given to the model, in its tokens: on a CPU the prompt's length is most of the wait
    # for the first word (about 100-200 prompt tokens/s for a small model on two cores, far fewer for 7B).
    passage_tokens: int = 1000
    chunk_tokens: int = 200
    chunk_overlap: int = 40


@dataclass
class ChatSettings:
    system_prompt: str = (
        "You are Strongroom, a careful assistant for confidential documents. "
        "Answer accurately and concisely."
    )


@dataclass
class UISettings:
    theme: str = "system"  # light, dark, system
    font_size: int = 0  # 0: the system's size
    show_sources: bool = True
    last_folder: str = ""  # where the folder picker opens next ("" : the home folder)


@dataclass
class HistorySettings:
    enabled: bool = True
    retention_days: int = 0  # 0: keep until deleted


@dataclass
class OcrSettings:
    """Reading scanned pages (image-only PDF pages, PNG, JPEG, TIFF) offline, after the text files.
    One multilingual model reads every Latin-script language it knows: there is no language choice."""
    enabled: bool = True
    max_pages_per_file: int = 200  # scanned pages read per file; the rest are listed as not read


@dataclass
class LibrarySettings:
    default_folders: list[str] = field(default_factory=list)
    max_file_mb: int = 200  # larger files are listed as too large, not indexed
    server_url: str = ""
    # Named roots of shared libraries -> this workstation's mount of each ("matters" = "/mnt/matters"):
    # a file on the firm's server is stored as root-name/relative/path and opened through this map.
    roots: dict[str, str] = field(default_factory=dict)
    ca_file: str = ""  # PEM file of the firm's CA for server_url, trusted beside the OS certificate store


@dataclass
class EndpointSettings:
    """The firm's OpenAI-compatible model server (vLLM, Ollama, llama.cpp server), used when
    model.backend = "endpoint". Its API key is never here: it lives in the OS keychain."""
    url: str = ""  # https://llm.example-firm.internal/v1
    model: str = ""  # the name the server serves the model under (/v1/models)
    ca_file: str = ""  # PEM file of the firm's CA, trusted beside the OS certificate store
    timeout_s: float = 30.0  # connecting, and the longest silence while answering
    max_context: int = 4096  # the model's context in tokens, when the server does not say
    allow_proxy: bool = False  # honour HTTPS_PROXY / NO_PROXY from the environment
    basic_auth_user: str = ""  # set: the key is sent as this user's HTTP Basic password (nginx in front)


@dataclass
class SettingsData:
    model: ModelSettings = field(default_factory=ModelSettings)
    sampling: SamplingSettings = field(default_factory=SamplingSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    ui: UISettings = field(default_factory=UISettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    ocr: OcrSettings = field(default_factory=OcrSettings)
    libraries: LibrarySettings = field(default_factory=LibrarySettings)
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)


CHOICES: dict[str, tuple[str, ...]] = {"ui.theme": ("light", "dark", "system"), "model.backend": ("local", "endpoint")}

# Ordered migrations: MIGRATIONS[n] turns a version-n document into version n+1.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
def _v1_file_limit_belongs_to_libraries(doc: dict[str, Any]) -> dict[str, Any]:
    """retrieval.max_file_mb became libraries.max_file_mb: it limits what a library indexes."""
    retrieval = doc.get("retrieval")
    if isinstance(retrieval, dict) and "max_file_mb" in retrieval:
        retrieval = dict(retrieval)
        libraries = dict(doc.get("libraries") or {}) if isinstance(doc.get("libraries", {}), dict) else {}
        libraries.setdefault("max_file_mb", retrieval.pop("max_file_mb"))
        doc["retrieval"], doc["libraries"] = retrieval, libraries
    return doc


MIGRATIONS: dict[int, Migration] = {1: _v1_file_limit_belongs_to_libraries}


class SettingLocked(PermissionError):
    def __init__(self, key: str, reason: str):
        super().__init__(f"'{key}' is set by your IT policy and cannot be changed ({reason})")
        self.key = key
        self.reason = reason


class SettingInvalid(ValueError):
    pass


# get_type_hints evaluates every annotation string on each call; settings are read on the UI thread.
@functools.cache
def _sections() -> dict[str, type]:
    return {f.name: get_type_hints(SettingsData)[f.name] for f in dataclasses.fields(SettingsData)}


@functools.cache
def _fields(section_type: type) -> dict[str, type]:
    return {f.name: get_type_hints(section_type)[f.name] for f in dataclasses.fields(section_type)}


def all_keys() -> list[str]:
    return [f"{s}.{k}" for s, t in _sections().items() for k in _fields(t)]


def _coerce(key: str, expected: type, value: Any) -> Any:
    """Returns value as `expected`, or raises SettingInvalid with a readable reason."""
    origin = getattr(expected, "__origin__", None)
    if origin is dict:
        return _coerce_roots(key, value)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingInvalid(f"{key} must be a list of text values")
        return list(value)
    if expected is bool:
        if not isinstance(value, bool):
            raise SettingInvalid(f"{key} must be true or false")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingInvalid(f"{key} must be a whole number")
        return value
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingInvalid(f"{key} must be a number")
        return float(value)
    if expected is str:
        if not isinstance(value, str):
            raise SettingInvalid(f"{key} must be text")
        if key in CHOICES and value not in CHOICES[key]:
            raise SettingInvalid(f"{key} must be one of {', '.join(CHOICES[key])}")
        return value
    raise SettingInvalid(f"{key} has an unsupported type")


def _coerce_roots(key: str, value: Any) -> dict[str, str]:
    """A table of named folders (libraries.roots): plain names, each an absolute path on this computer."""
    if not isinstance(value, dict):
        raise SettingInvalid(f"{key} must be a table of names and folders, like matters = \"/mnt/matters\"")
    for name, folder in value.items():
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
            raise SettingInvalid(f"{key}: {name!r} is not a usable root name (letters, digits, '.', '_', '-')")
        if not isinstance(folder, str) or not folder.strip():
            raise SettingInvalid(f"{key}.{name} must be a folder path (text)")
        if not Path(folder).expanduser().is_absolute():
            raise SettingInvalid(f"{key}.{name} must be an absolute folder path, not {folder!r}")
    return dict(value)


def _read_toml(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _apply(data: SettingsData, doc: dict[str, Any], source: str, warnings: list[str]) -> tuple[list[str], dict[str, str]]:
    """Copies valid values of doc into data. Returns the keys applied and, for known keys whose value
    is invalid, the reason (those keep their default). Unknown sections and keys become warnings."""
    applied: list[str] = []
    invalid: dict[str, str] = {}
    sections = _sections()
    for section, values in doc.items():
        if section in ("schema_version", "policy"):
            continue
        if section not in sections or not isinstance(values, dict):
            warnings.append(f"{source}: unknown section [{section}] ignored")
            continue
        fields = _fields(sections[section])
        target = getattr(data, section)
        for name, value in values.items():
            key = f"{section}.{name}"
            if name not in fields:
                warnings.append(f"{source}: unknown setting '{key}' ignored")
                continue
            try:
                setattr(target, name, _coerce(key, fields[name], value))
                applied.append(key)
            except SettingInvalid as exc:
                invalid[key] = str(exc)
    return applied, invalid


def _line_of(text: str, key: str) -> int | None:
    """The line where a TOML file sets `key` (section.name), for messages IT can act on."""
    section, name = key.split(".", 1)
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = stripped.strip("[] \t")
        elif current == section and re.match(rf"{re.escape(name)}\s*=", stripped):
            return number
        elif re.match(rf"{re.escape(section)}\s*\.\s*{re.escape(name)}\s*=", stripped) and current == "":
            return number
    return None


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        raise SettingInvalid(f"schema_version must be a positive whole number, not {version!r}")
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](dict(doc))
        version += 1
        doc["schema_version"] = version
    return doc


class Settings:
    """The settings in force. One instance per process; the UI and CLI read and write through it."""

    def __init__(self, path: Path | None = None, policy_path: Path | None = None):
        self.path = path or paths.settings_file()
        self.policy_path = policy_path or paths.policy_file()
        self.warnings: list[str] = []
        self.locked: dict[str, str] = {}
        self.policy_message = ""
        self._user: dict[str, Any] = {}
        self.data = SettingsData()
        self.reload()

    # -- loading --------------------------------------------------------------
    def reload(self) -> None:
        self.warnings = []
        self.data = SettingsData()
        self._user = self._load_user()
        _, invalid = _apply(self.data, self._user, self.path.name, self.warnings)
        self.warnings += [f"{self.path.name}: {reason}; the default is used" for reason in invalid.values()]
        self._apply_policy()

    def _load_user(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            doc = _read_toml(self.path)
            version = doc.get("schema_version", 1)
            if isinstance(version, int) and version > SCHEMA_VERSION:
                self.warnings.append(
                    f"{self.path} was written by a newer Strongroom (schema {version}); "
                    "settings this version knows are used, the file is left as it is"
                )
                self._read_only = True
                return doc
            return migrate(doc)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, SettingInvalid, OSError) as exc:
            backup = self.path.with_name(self.path.name + ".bak")
            try:
                self.path.replace(backup)
                kept = f"; it was kept as {backup}"
            except OSError:
                kept = ""
            self.warnings.append(f"Your settings file {self.path} could not be read ({exc}){kept}. Defaults are used.")
            log.warning("settings file unreadable: %s", exc)
            return {}

    def _apply_policy(self) -> None:
        if not self.policy_path.exists():
            return
        try:
            # IT's file is read as the version it was written for: a setting that moved still locks.
            doc = migrate(_read_toml(self.policy_path))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, SettingInvalid) as exc:
            # Fail closed: an unreadable policy must not leave the user free to change what IT meant to lock.
            reason = f"the IT policy file {self.policy_path} is unreadable ({exc})"
            self.warnings.append(f"{reason}. All settings stay at their defaults and are locked; contact your IT department.")
            self.data = SettingsData()
            self.locked = {key: reason for key in all_keys()}
            return
        meta = doc.get("policy", {}) if isinstance(doc.get("policy"), dict) else {}
        self.policy_message = str(meta.get("message", "")) or "set by your IT department"
        applied, invalid = _apply(self.data, doc, f"policy {self.policy_path.name}", self.warnings)
        for key in applied:
            self.locked[key] = self.policy_message
        if invalid:
            try:
                text = self.policy_path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        for key, reason in invalid.items():
            # Fail closed: IT meant to set this; the user may not change it while the policy is wrong.
            line = _line_of(text, key)
            where = f"{self.policy_path}" + (f" line {line}" if line else "")
            self.locked[key] = f"the IT policy value is not valid ({where}: {reason}); the default applies until IT corrects it"
            self.warnings.append(f"IT policy {where}: {reason}. '{key}' stays at its default and is locked.")

    # -- access ---------------------------------------------------------------
    def get(self, key: str) -> Any:
        section, name = self._split(key)
        return getattr(getattr(self.data, section), name)

    def is_locked(self, key: str) -> bool:
        return key in self.locked

    def set(self, key: str, value: Any) -> None:
        section, name = self._split(key)
        if key in self.locked:
            raise SettingLocked(key, self.locked[key])
        expected = _fields(_sections()[section])[name]
        value = _coerce(key, expected, value)
        setattr(getattr(self.data, section), name, value)
        self._user.setdefault(section, {})[name] = value

    def save(self) -> None:
        if getattr(self, "_read_only", False):
            raise SettingInvalid(f"{self.path} belongs to a newer Strongroom and is not overwritten")
        doc = {"schema_version": SCHEMA_VERSION, **{k: v for k, v in self._user.items() if k != "schema_version"}}
        write_atomic(self.path, tomli_w.dumps(doc))

    @staticmethod
    def _split(key: str) -> tuple[str, str]:
        section, _, name = key.partition(".")
        sections = _sections()
        if section not in sections or name not in _fields(sections[section]):
            raise KeyError(f"unknown setting '{key}'")
        return section, name
