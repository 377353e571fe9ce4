import os
import stat

from app.core.foundation import paths


def test_home_overrides_every_dir(strongroom_home):
    for fn in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir):
        assert strongroom_home in fn().parents
    assert strongroom_home in paths.system_models_dir().parents
    assert strongroom_home in paths.policy_file().parents


def test_data_dir_is_owner_only():
    mode = stat.S_IMODE(paths.data_dir().stat().st_mode)
    assert mode & 0o077 == 0


def test_an_open_data_dir_is_tightened(strongroom_home):
    folder = paths.data_dir()
    folder.chmod(0o755)
    assert stat.S_IMODE(paths.data_dir().stat().st_mode) == 0o700


def test_model_search_path_order(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("STRONGROOM_MODELS_PATH", f"{a}{os.pathsep}{b}")
    origins = [(d.origin, d.path) for d in paths.model_search_path()]
    # the demo chat package, then the embedding GGUF converted at set-up (`make setup`)
    assert [o for o, _ in origins] == ["user", "system", "env", "env", "demo", "demo"]
    assert origins[2][1] == a and origins[3][1] == b
    assert origins[5][1] == paths.builtin_models_dir() and (origins[5][1] / "all-minilm-l6-v2-f16.gguf").is_file()


def test_demo_packages_found():
    assert any(paths.demo_chat_dir().glob("*.gguf"))
    assert (paths.demo_embedding_dir() / "modules.json").exists()
