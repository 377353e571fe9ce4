import pytest

from app.core.foundation import settings as settings_mod
from app.core.foundation.settings import SamplingSettings, SettingInvalid, SettingLocked, Settings


def test_defaults_without_files():
    s = Settings()
    assert s.get("sampling.temperature") == 0.2
    assert s.get("ui.theme") == "system"
    assert s.warnings == [] and s.locked == {}


def test_save_and_reload_round_trip():
    s = Settings()
    s.set("sampling.temperature", 0.7)
    s.set("retrieval.top_k", 9)
    s.set("ui.theme", "dark")
    s.save()
    again = Settings()
    assert again.get("sampling.temperature") == 0.7
    assert again.get("retrieval.top_k") == 9
    assert again.get("ui.theme") == "dark"
    text = s.path.read_text()
    assert f"schema_version = {settings_mod.SCHEMA_VERSION}" in text
    assert "max_tokens" not in text  # only what the user changed is written


def test_invalid_values_are_refused():
    s = Settings()
    with pytest.raises(SettingInvalid):
        s.set("retrieval.top_k", "many")
    with pytest.raises(SettingInvalid):
        s.set("ui.theme", "purple")
    with pytest.raises(KeyError):
        s.set("nope.nothing", 1)


def test_broken_file_keeps_backup_and_names_the_line():
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    original = "schema_version = 1\n[sampling]\ntemperature = 0.5\ntop_k = = 3\n"
    s.path.write_text(original)
    s = Settings()
    assert s.get("sampling.temperature") == 0.2  # defaults
    assert any("line 4" in w and "settings.toml" in w for w in s.warnings), s.warnings
    backup = s.path.with_name("settings.toml.bak")
    assert backup.read_text() == original  # nothing lost
    assert not s.path.exists()


def test_binary_garbage_settings_file(strongroom_home):
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_bytes(b"\xff\xfe\x00garbage\x00\x9c" * 100)
    s = Settings()
    assert s.get("model.n_ctx") == 4096
    assert s.warnings and s.path.with_name("settings.toml.bak").exists()


def test_wrong_types_fall_back_per_key():
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text('[sampling]\ntemperature = "hot"\ntop_k = 12\n[ui]\nfont_size = true\n[bogus]\nx = 1\n')
    s = Settings()
    assert s.get("sampling.temperature") == 0.2
    assert s.get("sampling.top_k") == 12
    assert s.get("ui.font_size") == 0
    joined = " ".join(s.warnings)
    assert "sampling.temperature must be a number" in joined
    assert "ui.font_size must be a whole number" in joined
    assert "[bogus]" in joined


def test_policy_locks_and_overrides(tmp_path, monkeypatch):
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nmessage = "Set by Contoso IT"\n[model]\nallow_unverified = false\n[history]\nretention_days = 30\n')
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text("[history]\nretention_days = 0\n")
    s = Settings()
    assert s.get("history.retention_days") == 30  # policy wins over the user file
    assert s.is_locked("history.retention_days")
    assert s.locked["model.allow_unverified"] == "Set by Contoso IT"
    with pytest.raises(SettingLocked, match="IT policy"):
        s.set("history.retention_days", 1)
    s.set("sampling.temperature", 0.3)  # unlocked settings still change


def test_broken_policy_fails_closed(tmp_path, monkeypatch):
    policy = tmp_path / "policy.toml"
    policy.write_text("[model\nallow_unverified = false\n")
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    s = Settings()
    assert s.is_locked("model.allow_unverified") and s.is_locked("sampling.temperature")
    assert any("IT policy file" in w and "line 1" in w for w in s.warnings)
    assert policy.exists()  # IT's file is never moved


def test_migrations_run_in_order(monkeypatch):
    calls = []

    def v1_to_v2(doc):
        calls.append(1)
        doc.setdefault("sampling", {})["temperature"] = doc.pop("temp", 0.2)
        return doc

    monkeypatch.setattr(settings_mod, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(settings_mod.MIGRATIONS, 1, v1_to_v2)
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text("schema_version = 1\ntemp = 0.9\n")
    s = Settings()
    assert calls == [1]
    assert s.get("sampling.temperature") == 0.9
    s.save()
    assert "schema_version = 2" in s.path.read_text()


def test_newer_schema_is_read_but_never_overwritten():
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text("schema_version = 99\n[sampling]\ntop_k = 7\n")
    s = Settings()
    assert s.get("sampling.top_k") == 7
    with pytest.raises(SettingInvalid):
        s.save()
    assert "schema_version = 99" in s.path.read_text()


def test_invalid_policy_value_fails_closed_and_names_the_line(tmp_path, monkeypatch):
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nmessage = "Contoso IT"\n\n[sampling]\ntop_k = 20\ntemperature = "hot"\n')
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    s = Settings()
    assert s.get("sampling.temperature") == SamplingSettings.temperature  # the default, not the user's value
    assert s.is_locked("sampling.temperature")
    assert f"{policy} line 6" in s.locked["sampling.temperature"]
    assert s.get("sampling.top_k") == 20 and s.locked["sampling.top_k"] == "Contoso IT"
    with pytest.raises(SettingLocked):
        s.set("sampling.temperature", 0.9)
    assert any("line 6" in w and "sampling.temperature" in w for w in s.warnings)


def test_invalid_user_value_is_a_warning_and_stays_changeable(strongroom_home):
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text('[sampling]\ntemperature = "hot"\n')
    s = Settings()
    assert s.get("sampling.temperature") == SamplingSettings.temperature and not s.is_locked("sampling.temperature")
    assert any("sampling.temperature" in w for w in s.warnings)
    s.set("sampling.temperature", 0.5)


def test_the_file_size_limit_moved_to_libraries_and_a_v1_policy_still_locks_it(tmp_path, monkeypatch):
    policy = tmp_path / "policy.toml"
    policy.write_text("[retrieval]\nmax_file_mb = 50\n")  # written for schema 1
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    s = Settings()
    assert s.get("libraries.max_file_mb") == 50 and s.is_locked("libraries.max_file_mb")
    assert s.warnings == []
    monkeypatch.delenv("STRONGROOM_POLICY")
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text("schema_version = 1\n[retrieval]\nmax_file_mb = 80\ntop_k = 4\n")
    s = Settings()
    assert s.get("libraries.max_file_mb") == 80 and s.get("retrieval.top_k") == 4 and s.warnings == []


def test_library_roots_are_a_table_of_folders_that_round_trips(tmp_path):
    s = Settings()
    mount = str(tmp_path / "mnt" / "matters")
    s.set("libraries.roots", {"matters": mount, "precedents": str(tmp_path / "prec")})
    s.save()
    again = Settings()
    assert again.get("libraries.roots") == {"matters": mount, "precedents": str(tmp_path / "prec")}
    assert not again.warnings


@pytest.mark.parametrize("table, reason", [
    ('matters = 5', "libraries.roots.matters must be a folder path (text)"),
    ('matters = "relative/matters"', "libraries.roots.matters must be an absolute folder path"),
    ('"../up" = "/mnt/up"', "'../up' is not a usable root name"),
    ('matters = ["/a", "/b"]', "libraries.roots.matters must be a folder path (text)"),
])
def test_hostile_library_roots_are_refused_with_the_reason_and_the_rest_is_kept(table, reason):
    s = Settings()
    s.path.parent.mkdir(parents=True, exist_ok=True)
    s.path.write_text(f'[libraries]\nmax_file_mb = 7\nserver_url = "https://qdrant.firm:6333"\n'
                      f'[libraries.roots]\n{table}\n')
    s = Settings()
    assert s.get("libraries.roots") == {}
    assert s.get("libraries.max_file_mb") == 7 and s.get("libraries.server_url") == "https://qdrant.firm:6333"
    assert any(reason in w for w in s.warnings), s.warnings


def test_library_roots_that_are_not_a_table_are_refused():
    s = Settings()
    with pytest.raises(SettingInvalid, match="table of names and folders"):
        s.set("libraries.roots", "/mnt/matters")


def test_policy_sets_and_locks_server_url_and_roots(tmp_path, monkeypatch):
    policy = tmp_path / "policy.toml"
    policy.write_text('[libraries]\nserver_url = "https://qdrant.firm.example:6333"\n'
                      '[libraries.roots]\nmatters = "/mnt/matters"\n')
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    s = Settings()
    assert s.get("libraries.roots") == {"matters": "/mnt/matters"}
    assert s.is_locked("libraries.roots") and s.is_locked("libraries.server_url")
    with pytest.raises(SettingLocked):
        s.set("libraries.roots", {})
