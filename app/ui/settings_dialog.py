"""Settings, built from the core's settings. Values set by IT policy are shown locked, with the reason."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QInputDialog, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from . import services, tasks, theme
from .errors import error_dialog, show_error
from .services import SettingInvalid, SettingLocked, Settings

# (key, label, kind, extra, help) per tab, the tab people need first first; kinds: int(min, max, special),
# float(min, max, step), bool, text, line (one line of text), choice, model. Each technical setting says in one sentence what it does.
PAGES: list[tuple[str, list[tuple[str, str, str, Any, str]]]] = [
    ("General", [
        ("model.default_model", "Model", "model", None, "The language model that writes the answers."),
        ("ui.theme", "Theme", "choice", [("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")], ""),
        ("ui.font_size", "Text size (points)", "int", (0, 32, "System size"), ""),
    ]),
    ("History", [
        ("history.enabled", "Keep conversation history (encrypted)", "bool", None,
         "Conversations are saved encrypted on this computer; when off, they are gone when you close Strongroom."),
        ("history.retention_days", "Delete conversations older than (days)", "int", (0, 3650, "Keep until deleted"),
         "Older conversations and extracted tables are deleted each time Strongroom starts."),
    ]),
    ("Answers", [
        ("retrieval.top_k", "Passages per answer", "int", (1, 50, None),
         "How many passages from your documents are searched for each question."),
        ("retrieval.passage_tokens", "Passage text per answer (tokens)", "int", (100, 32000, None),
         "How much document text the model reads per answer; more is slower to start."),
        ("chat.system_prompt", "Instructions for the model", "text", None,
         "What the model is told before every conversation."),
    ]),
    ("Scanned pages", [
        ("ocr.enabled", "Read scanned pages (OCR)", "bool", None,
         "Scanned PDF pages and images are read on this computer, after the text files, so they can be searched."),
        ("ocr.max_pages_per_file", "Scanned pages read per file", "int", (1, 5000, None),
         "Pages past this are listed as not read."),
    ]),
    ("Model server", [
        ("model.backend", "Answers come from", "choice",
         [("A model file on this computer", "local"), ("The firm's model server", "endpoint")],
         "The firm's model server answers when IT runs one (vLLM, Ollama, llama.cpp server)."),
        ("endpoint.url", "Server address", "line", "https://llm.example-firm.internal/v1",
         "The OpenAI-compatible address IT gives you, ending in /v1."),
        ("endpoint.model", "Model name", "line", "mistral-small",
         "The name the server serves the model under."),
        ("endpoint.ca_file", "CA certificate file", "line", "/etc/ssl/firm-ca.pem",
         "The firm's own certificate authority (PEM), trusted beside this computer's certificates."),
        ("endpoint.basic_auth_user", "User name (basic auth)", "line", "",
         "Only when a proxy in front of the server asks for a user name; the API key is its password."),
        ("endpoint.timeout_s", "Timeout (seconds)", "float", (1.0, 600.0, 1.0),
         "How long to wait for the server to connect or to send the next words before giving up."),
    ]),
    ("Model (advanced)", [
        ("model.n_ctx", "Context size (tokens)", "int", (512, 131072, None),
         "How much text the model can keep in mind at once; larger needs more memory."),
        ("model.n_threads", "Threads", "int", (0, 256, "Automatic"),
         "How many processor cores the model uses; Automatic uses one per core."),
        ("model.gpu_offload", "Use the graphics card when available", "bool", None,
         "Runs the model on the graphics card where one is supported, which is faster."),
        ("sampling.temperature", "Temperature", "float", (0.0, 2.0, 0.05),
         "Lower gives steadier, more literal answers; higher gives more varied wording."),
        ("sampling.top_p", "Top-p", "float", (0.0, 1.0, 0.05),
         "The model picks each word only among the likeliest ones that together make up this share."),
        ("sampling.top_k", "Top-k", "int", (0, 500, None),
         "The model picks each word only among this many likeliest ones (0: no limit)."),
        ("sampling.min_p", "Min-p", "float", (0.0, 1.0, 0.01),
         "Words much less likely than the likeliest one, by this factor, are never picked."),
        ("sampling.repeat_penalty", "Repeat penalty", "float", (0.5, 2.0, 0.05),
         "Above 1 discourages the model from repeating itself."),
        ("sampling.max_tokens", "Longest answer (tokens)", "int", (16, 32768, None),
         "An answer stops after this many tokens (about three quarters of a word each)."),
        ("sampling.seed", "Seed", "int", (-1, 2**31 - 1, "Random"),
         "A fixed number makes the same question give the same answer; Random varies it."),
    ]),
]

PASSPHRASE_KEYCHAIN = ("The history key is kept in this computer's keychain, so there is no passphrase to change.")
PASSPHRASE_CLOSED = "The history is not open in this window, so its passphrase cannot be changed now."


def lock_text(reason: str) -> str:
    return f"Set by your IT department: {reason}"


class SettingsDialog(QDialog):
    """Edits a copy of the values; OK writes them through Settings.set and saves."""

    applied = Signal(list)  # keys that changed
    change_passphrase_requested = Signal()
    delete_history_requested = Signal()

    def __init__(self, settings: Settings, models: list | None = None, parent: QWidget | None = None,
                 passphrase_method: str | None = None):
        """models: (id, name) pairs (or bare ids) of the models found; passphrase_method: how the open
        history keeps its key ("passphrase", "keychain"), None when no history is open."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(560)
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        self.lock_labels: dict[str, QLabel] = {}
        self.hints: dict[str, QLabel] = {}
        self._models = [(m, m) if isinstance(m, str) else tuple(m) for m in (models or [])]
        self._start_theme = (settings.get("ui.theme"), settings.get("ui.font_size"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 14)
        layout.setSpacing(12)
        if settings.locked:
            note = QLabel(f"Some settings are managed by your IT department ({settings.policy_message}).")
            note.setObjectName("lockNote")
            note.setWordWrap(True)
            layout.addWidget(note)
        self.tabs = QTabWidget()
        for title, fields in PAGES:
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(14, 14, 14, 14)
            form.setVerticalSpacing(10)
            form.setHorizontalSpacing(14)
            for key, label, kind, extra, hint in fields:
                editor = self._editor(key, kind, extra)
                editor.setAccessibleName(label)
                if hint:
                    editor.setAccessibleDescription(hint)
                self.editors[key] = editor
                form.addRow(self._row_label(key, label), self._row_field(key, editor, hint))
            if title == "History":
                form.addRow(self._history_actions(passphrase_method))
            if title == "Model server":
                form.addRow(self._api_key_row())
            self.tabs.addTab(page, title)
        self.tabs.setCurrentIndex(0)  # General: what people look for first
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        theme_box: QComboBox = self.editors["ui.theme"]  # type: ignore[assignment]
        theme_box.currentIndexChanged.connect(self._preview_theme)
        self.editors["ui.font_size"].valueChanged.connect(self._preview_theme)  # type: ignore[attr-defined]

    def _history_actions(self, method: str | None) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 8, 0, 0)
        row = QHBoxLayout()
        self.passphrase_button = QPushButton("Change passphrase\u2026")
        self.passphrase_button.clicked.connect(self.change_passphrase_requested)
        self.delete_history_button = QPushButton("Delete all history\u2026")
        self.delete_history_button.clicked.connect(self.delete_history_requested)
        row.addWidget(self.passphrase_button)
        row.addWidget(self.delete_history_button)
        row.addStretch(1)
        column.addLayout(row)
        self.passphrase_note = QLabel("")
        self.passphrase_note.setObjectName("hint")
        self.passphrase_note.setWordWrap(True)
        if method == "passphrase":
            self.passphrase_note.setText("Your history is encrypted with a passphrase you chose; it cannot be "
                                         "recovered if forgotten.")
        else:
            self.passphrase_button.setEnabled(False)
            self.passphrase_note.setText(PASSPHRASE_KEYCHAIN if method == "keychain" else PASSPHRASE_CLOSED)
        self.passphrase_button.setToolTip(self.passphrase_note.text())
        self.passphrase_button.setAccessibleDescription(self.passphrase_note.text())
        column.addWidget(self.passphrase_note)
        return box

    def _api_key_row(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 8, 0, 0)
        self.api_key_button = QPushButton("Set API key\u2026")
        self.api_key_button.setAccessibleDescription("Stores the model server's API key in this computer's keychain")
        self.api_key_button.clicked.connect(self.ask_api_key)
        row.addWidget(self.api_key_button)
        self.api_key_note = QLabel("Kept in this computer's keychain, never in the settings file.")
        self.api_key_note.setObjectName("hint")
        self.api_key_note.setWordWrap(True)
        row.addWidget(self.api_key_note, 1)
        return box

    def ask_api_key(self) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle("API key of the model server")
        dialog.setLabelText("Paste the API key IT gave you. It is kept in this computer's keychain.")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.textValueSelected.connect(self.store_api_key)
        dialog.open()
        self.api_key_dialog = dialog
        return dialog

    def store_api_key(self, key: str) -> None:
        """Stores the key off the UI thread (a keychain may take a moment to answer)."""
        def stored(_result) -> None:
            self.api_key_note.setText("The API key is stored in this computer's keychain.")

        def failed(exc: BaseException) -> None:
            show_error(self, exc, "API key", "The API key was not stored.")

        tasks.run_in_background(lambda: services.store_api_key(key), on_success=stored, on_failure=failed)

    # -- building -----------------------------------------------------------------------
    def _editor(self, key: str, kind: str, extra: Any) -> QWidget:
        value = self.settings.get(key)
        if kind == "int":
            lo, hi, special = extra
            w = QSpinBox()
            w.setRange(lo, hi)
            if special:
                w.setSpecialValueText(special)
            w.setValue(int(value))
        elif kind == "float":
            lo, hi, step = extra
            w = QDoubleSpinBox()
            w.setRange(lo, hi)
            w.setSingleStep(step)
            w.setDecimals(2)
            w.setValue(float(value))
        elif kind == "bool":
            w = QCheckBox()
            w.setChecked(bool(value))
        elif kind == "line":
            w = QLineEdit(str(value))
            w.setPlaceholderText(extra or "")
        elif kind == "text":
            w = QPlainTextEdit()
            w.setPlainText(str(value))
            w.setTabChangesFocus(True)
            w.setMinimumHeight(110)
        elif kind == "choice":
            w = QComboBox()
            for text, data in extra:
                w.addItem(text, data)
            w.setCurrentIndex(max(0, w.findData(value)))
        else:  # model: the models found by name, plus the configured one even if absent
            w = QComboBox()
            w.setEditable(False)
            names = dict(self._models)
            for model_id in dict.fromkeys([value, *names]):
                w.addItem(names.get(model_id, model_id), model_id)
                if names.get(model_id, model_id) != model_id:
                    w.setItemData(w.count() - 1, model_id, Qt.ItemDataRole.ToolTipRole)
            w.setCurrentIndex(max(0, w.findData(value)))
        if self.settings.is_locked(key):
            w.setEnabled(False)
            reason = self.settings.locked[key]
            w.setToolTip(lock_text(reason))
            w.setAccessibleDescription(f"Locked. Set by your IT department: {reason}")
        return w

    def _row_label(self, key: str, label: str) -> QLabel:
        text = QLabel(label)
        if self.settings.is_locked(key):
            text.setToolTip(lock_text(self.settings.locked[key]))
        return text

    def _row_field(self, key: str, editor: QWidget, hint: str = "") -> QWidget:
        if hint:
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(self._row_field(key, editor))
            label = QLabel(hint)
            label.setObjectName("hint")
            label.setWordWrap(True)
            self.hints[key] = label
            column.addWidget(label)
            return box
        if not self.settings.is_locked(key):
            return editor
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(editor, 1)
        lock = QLabel("Locked by IT")
        lock.setObjectName("lockNote")
        lock.setToolTip(lock_text(self.settings.locked[key]))
        lock.setAccessibleName(f"Locked by IT: {self.settings.locked[key]}")
        self.lock_labels[key] = lock
        row.addWidget(lock)
        return box

    # -- values ---------------------------------------------------------------------------
    def value(self, key: str) -> Any:
        w = self.editors[key]
        if isinstance(w, QSpinBox):
            return w.value()
        if isinstance(w, QDoubleSpinBox):
            return round(w.value(), 4)
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, QLineEdit):
            return w.text().strip()
        return w.currentData()

    def _preview_theme(self, *_args) -> None:
        theme.apply(self.value("ui.theme"), self.value("ui.font_size"))

    def changed_keys(self) -> list[str]:
        out = []
        for key in self.editors:
            if self.settings.is_locked(key):
                continue
            new, old = self.value(key), self.settings.get(key)
            if (round(new, 4) != round(old, 4)) if isinstance(old, float) else new != old:
                out.append(key)
        return out

    def accept(self) -> None:
        changed = self.changed_keys()
        try:
            for key in changed:
                self.settings.set(key, self.value(key))
            self.settings.save()
        except (SettingLocked, SettingInvalid, OSError) as exc:
            self.settings.reload()  # the file is unchanged: drop the half-applied values
            error_dialog(self, "Settings were not saved", str(exc)).exec()
            return
        super().accept()
        self.applied.emit(changed)

    def reject(self) -> None:
        theme.apply(*self._start_theme)  # undo the live preview
        super().reject()
