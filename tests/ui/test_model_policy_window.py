"""The window with the IT guide's policy: it never auto-loads a model the policy does not allow, and says why."""
from app.ui.main_window import MainWindow
from app.ui.services import Services
from tests.helpers.it_guide import policy_example


def test_window_does_not_load_a_forbidden_demo_model(qtbot, tmp_path, monkeypatch, demo_gguf):
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_example(), encoding="utf-8")
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    services = Services()
    window = MainWindow(services, warm_up=False, auto_load=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.models), timeout=30000)
    assert services.default_model(window.models) is None
    assert services.loaded_model() is None and not window.loading_model
    assert "allows only these models: mistral-7b-instruct-v0.3" in window.chat.placeholder.text()
    demo = next(m for m in window.models if m.id == "smollm2-135m-instruct")
    assert "allows only" in demo.refusal and demo.refusal == services.load_refusal(demo.info)
    assert not window.models_view.rows[demo.path].load_button.isEnabled()
