"""The IT guide must match the settings the app really has: its policy example is applied by the
real policy loader, and its key table names exactly the settings that exist."""
from __future__ import annotations

import re

from app.core.foundation.settings import Settings, all_keys
from tests.helpers.it_guide import GUIDE, policy_example


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_policy_example_applies_cleanly_and_locks_what_it_sets(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_example(), encoding="utf-8")
    settings = Settings(path=tmp_path / "settings.toml", policy_path=policy)
    assert settings.warnings == []
    assert settings.get("history.retention_days") == 90
    assert settings.get("model.allow_unverified") is False
    assert settings.is_locked("model.allowed_models")
    assert settings.policy_message.startswith("Set by Firm IT")
    assert not settings.is_locked("sampling.temperature")  # not in the example: stays the user's


def test_key_table_names_every_setting_and_nothing_else():
    table = guide_text().split("All keys, with their defaults:")[1].split("Rules worth knowing:")[0]
    documented = set()
    for cell in re.findall(r"^\| `([^|]+?)` \|", table, re.M):
        names = re.findall(r"`?([a-z_]+(?:\.[a-z_]+)?)`?", cell)
        section = names[0].split(".")[0]
        documented |= {n if "." in n else f"{section}.{n}" for n in names}
    assert documented == set(all_keys())
