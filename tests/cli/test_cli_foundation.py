import json

from tests.conftest import run_cli


def test_models_json_lists_verified_demo_and_corrupt_copy(models_dir, demo_gguf):
    (models_dir / "damaged.gguf").write_bytes(demo_gguf.read_bytes()[:1000])
    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["id"]: m for m in json.loads(result.stdout)}
    demo = models["smollm2-135m-instruct"]
    assert demo["status"] == "verified"
    assert demo["sha256"] == ["b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"]
    assert models["local:damaged"]["status"] == "corrupt"
    assert models["local:damaged"]["reason"]


def test_models_verify_exit_code_flags_bad_files(models_dir, demo_gguf):
    (models_dir / "damaged.gguf").write_bytes(b"GGUF junk")
    result = run_cli("models", "verify", "--json")
    assert result.returncode == 1
    statuses = {m["id"]: m["status"] for m in json.loads(result.stdout)}
    assert statuses["smollm2-135m-instruct"] == "verified"


def test_doctor_json_reports_machine_facts():
    result = run_cli("doctor", "--json")
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)
    assert d["cpu"]["physical_cores"] >= 1
    assert "avx2" in d["cpu"]["features"]
    assert d["memory"]["total_bytes"] > 0
    assert isinstance(d["gpu"]["gpu_offload"], bool) and d["gpu"]["llama_cpp_version"]
    assert [m["origin"] for m in d["model_dirs"]][:2] == ["user", "system"]
    assert any(m["id"] == "smollm2-135m-instruct" for dd in d["model_dirs"] for m in dd["models"])
    assert "backend" in d["keyring"]
    assert d["network"]["guard_active"] and d["network"]["hf_offline"]
    assert set(d["dirs"]) == {"data", "config", "cache", "logs"}


def test_doctor_text_mentions_policy(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text("[model]\nallow_unverified = false\n")
    result = run_cli("doctor", env={"STRONGROOM_POLICY": str(policy)})
    assert result.returncode == 0, result.stderr
    assert "1 locked setting" in result.stdout


def test_no_display_gives_one_clear_line():
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    import subprocess
    import sys
    from tests.conftest import ROOT
    result = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "no display" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_json_lists_an_invalid_policy_value_as_locked(tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text('[sampling]\ntemperature = "hot"\n')
    result = run_cli("doctor", "--json", env={"STRONGROOM_POLICY": str(policy)})
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)
    assert "sampling.temperature" in d["policy"]["locked"]
    assert any("line 2" in w for w in d["warnings"]), d["warnings"]


def test_ask_refuses_a_model_the_policy_does_not_allow(tmp_path, demo_gguf):
    policy = tmp_path / "policy.toml"
    policy.write_text('[model]\nallowed_models = ["mistral-7b-instruct-v0.3"]\n')
    result = run_cli("ask", "--json", "--no-history", "hello", env={"STRONGROOM_POLICY": str(policy)})
    assert result.returncode != 0
    assert "allows only these models: mistral-7b-instruct-v0.3" in result.stderr
    assert "Traceback" not in result.stderr
