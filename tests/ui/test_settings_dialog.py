"""Settings dialog: edits are saved to the real settings file; IT-locked ones are disabled with the reason."""
import tomllib

from PySide6.QtWidgets import QApplication

from app.core.foundation import paths
from app.core.foundation.settings import Settings
from app.ui import theme
from app.ui.settings_dialog import SettingsDialog


def test_edit_and_save(qtbot):
    settings = Settings()
    dialog = SettingsDialog(settings, ["smollm2-135m-instruct"])
    qtbot.addWidget(dialog)
    applied = []
    dialog.applied.connect(applied.append)
    dialog.editors["retrieval.top_k"].setValue(9)
    dialog.editors["chat.system_prompt"].setPlainText("Be brief.")
    dialog.accept()
    assert sorted(applied[0]) == ["chat.system_prompt", "retrieval.top_k"]
    saved = tomllib.loads(paths.settings_file().read_text())
    assert saved["retrieval"]["top_k"] == 9 and saved["chat"]["system_prompt"] == "Be brief."
    assert Settings().get("retrieval.top_k") == 9


def test_locked_settings_are_disabled_with_reason(qtbot, strongroom_home):
    policy = paths.policy_file()
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text('[policy]\nmessage = "Firm policy 12"\n[history]\nretention_days = 30\n[ui]\ntheme = "light"\n')
    settings = Settings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    editor = dialog.editors["history.retention_days"]
    assert not editor.isEnabled() and editor.value() == 30
    assert "Firm policy 12" in editor.toolTip()
    assert "Firm policy 12" in dialog.lock_labels["ui.theme"].toolTip()
    assert dialog.editors["retrieval.top_k"].isEnabled()
    dialog.accept()
    assert "history" not in tomllib.loads(paths.settings_file().read_text())


def test_theme_previews_live_and_cancel_restores(qtbot):
    settings = Settings()
    theme.apply("light", 0)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    box = dialog.editors["ui.theme"]
    box.setCurrentIndex(box.findData("dark"))
    app = QApplication.instance()
    assert app.property("strongroomTheme") == "dark"
    assert app.palette().window().color().lightness() < 80
    dialog.editors["ui.font_size"].setValue(15)
    assert app.font().pointSizeF() == 15
    dialog.reject()
    assert app.palette().window().color().lightness() > 200
    assert app.font().pointSizeF() != 15
