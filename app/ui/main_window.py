"""The main window: sidebar, conversation, sources pane, status bar, menus and shortcuts."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMainWindow, QMessageBox, QSplitter, QStackedWidget

from . import answer_sources, export_action, history_actions, tasks, ui_thread_gc
from .chat_controller import ChatController
from .chat_view import ChatView
from .conversation_keeper import ConversationKeeper
from .errors import error_dialog, show_error
from .libraries_view import LibrariesView
from .models_view import ModelsView
from .services import Services, error_kind
from .services import warm_up as import_heavy_libraries  # `warm_up` is MainWindow's switch for it
from .settings_dialog import SettingsDialog
from .sidebar import Sidebar
from .sources_pane import SourcesPane
from .welcome import WelcomePage, is_first_run, mark_done

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(self, services: Services | None = None, warm_up: bool = True, auto_load: bool = True,
                 open_history: bool = False, passphrase=None) -> None:
        """open_history: the window opens the history itself, off the UI thread (passphrase(new, problem,
        parent) asks for its passphrase over this window when there is no keychain; None: continue without
        history); else it uses services' as they are."""
        super().__init__()
        # Worker threads start below: from here on, cycles holding Qt objects are collected on this thread.
        ui_thread_gc.install(QApplication.instance())
        self.setWindowTitle("Strongroom")
        self.setAccessibleName("Strongroom")
        self.resize(1280, 820)
        self.services = services or Services()
        self.models: list = []
        self.auto_load = auto_load
        self.loading_model = False
        self._history_error = None  # the dialog saying a history write failed, while it is open
        self.ready = False  # True once start-up work (imports, the embedding model) is done

        # -- layout: sidebar | pages | sources ------------------------------------------
        self.sidebar = Sidebar()
        self.chat = ChatView()
        self.models_view = ModelsView(self.services)
        self.libraries_view = LibrariesView(self.services)
        self.welcome = WelcomePage()
        self.pages = QStackedWidget()
        for page in (self.chat, self.models_view, self.libraries_view, self.welcome):
            self.pages.addWidget(page)
        self.sources = SourcesPane()
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.sidebar)
        self.split.addWidget(self.pages)
        self.split.addWidget(self.sources)
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setStretchFactor(2, 0)
        self.split.setSizes([260, 700, 320])
        self.split.setChildrenCollapsible(False)
        self.sidebar.setMinimumWidth(220)
        self.sources.setMinimumWidth(260)
        self.setCentralWidget(self.split)

        # -- status bar ----------------------------------------------------------------------
        self.model_label = QLabel("No model loaded")
        self.model_label.setAccessibleName("Model")
        self.speed_label = QLabel("")
        self.speed_label.setAccessibleName("Answer speed")
        self.index_label = QLabel("")
        self.index_label.setAccessibleName("Indexing activity")
        for w in (self.index_label, self.speed_label, self.model_label):
            self.statusBar().addPermanentWidget(w)

        # -- behaviour -----------------------------------------------------------------------
        self.keeper = ConversationKeeper(self.services, self)
        self.libraries_view.keeper = self.keeper
        self.keeper.failed.connect(self._history_failed)
        self.keeper.listed.connect(self._conversations_listed)
        self.controller = ChatController(self.services, self.keeper, self.chat, self)
        self.controller.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.speed.connect(lambda tps: self.speed_label.setText(f"{tps:.1f} tokens/s" if tps else ""))
        self.controller.conversations_changed.connect(self.refresh_conversations)
        self.controller.sources_changed.connect(self.sources.set_sources)
        self.controller.busy_changed.connect(self._busy_changed)
        self.chat.citation_clicked.connect(self.open_citation)
        self.chat.message_selected.connect(
            lambda i: self.sources.set_sources(*answer_sources.focus(self.chat.widgets, i)))
        self.chat.models_requested.connect(self.show_models)
        self.sidebar.conversation_selected.connect(self._open_conversation)
        self.sidebar.new_requested.connect(self.new_conversation)
        self.sidebar.rename_requested.connect(self.rename_conversation)
        self.sidebar.delete_requested.connect(self.delete_conversation)
        self.sources.summarize_requested.connect(self.summarize_document)
        self.sidebar.libraries_requested.connect(self.show_libraries)
        self.sidebar.library_selected.connect(lambda _name: self.show_libraries())
        self.models_view.models_changed.connect(self._models_changed)
        self.models_view.load_requested.connect(self.load_model)
        self.models_view.unload_requested.connect(lambda _info: self.unload_model())
        self.libraries_view.libraries_changed.connect(self._libraries_changed)
        self.libraries_view.activity.connect(self.index_label.setText)
        self.libraries_view.ask_requested.connect(self.ask_library)
        self.pages.currentChanged.connect(self._page_changed)
        self.welcome.add_model_requested.connect(lambda: (self.show_models(), self.models_view.add_model_file()))
        self.welcome.add_library_requested.connect(lambda: (self.show_libraries(), self.libraries_view.add_folder()))
        self.welcome.question_chosen.connect(self._use_question)
        self.welcome.done.connect(self._welcome_done)
        self._build_menus()

        self._libraries_changed(self.services.library_names())
        self.refresh_conversations()
        self._passphrase = passphrase
        self.keeper.start(open_history, self._ask_passphrase if passphrase else None)  # `listed` opens the latest
        if is_first_run() and not self.services.library_names():  # a library exists: that step is done
            self.pages.setCurrentWidget(self.welcome)
        self.models_view.refresh()
        self.libraries_view.watch_folders()
        if warm_up:
            # The embedding model loads beside the chat model (models_view.refresh started that), not
            # after the imports; libraries catch up once both are in.
            self._warm_up_left = 2
            for job in (self.services.preload_embedder, import_heavy_libraries):
                tasks.run_in_background(job, on_success=lambda _r: self._warm_up_step(),
                                        on_failure=self._warm_up_failed)

    def _ask_passphrase(self, new: bool, problem: str = "") -> str | None:
        """On the UI thread: the dialog comes over this window, painted first, not over an empty screen."""
        if not self.isVisible():
            self.show()
        self.raise_()
        QApplication.processEvents()  # the window's first paint, before the dialog's event loop
        return self._passphrase(new, problem, self)

    def _warm_up_step(self) -> None:
        self._warm_up_left -= 1
        if self._warm_up_left == 0:
            self._catch_up_libraries()

    def _warm_up_failed(self, exc: BaseException) -> None:
        log.warning("warm-up: %s", error_kind(exc))
        self._warm_up_left = -1  # no catch-up: start-up ends here
        self._start_up_done()

    def _catch_up_libraries(self) -> None:
        """After start-up: the embedding model is loaded, the libraries IT lists in policy exist, and
        every library is brought up to date with what changed while Strongroom was closed."""
        def prepare() -> list:
            self.services.preload_embedder()
            return self.services.ensure_default_libraries()

        def done(_added) -> None:
            self.libraries_view.reload()
            self.libraries_view.sync_all()

        tasks.run_in_background(prepare, on_success=done,
                                on_failure=lambda exc: log.warning("libraries: %s", error_kind(exc)),
                                on_finished=self._start_up_done)

    def _start_up_done(self) -> None:
        # Imports and the embedding model are in for good: see ui_thread_gc.
        ui_thread_gc.install(QApplication.instance()).freeze()
        self.ready = True

    # -- menus and shortcuts ---------------------------------------------------------------
    def _action(self, menu, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work wherever the focus is, even with the menu bar hidden
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.new_action = self._action(file, "&New conversation", self.new_conversation, "Ctrl+N")
        self._action(file, "Add &library folder\u2026", lambda: (self.show_libraries(), self.libraries_view.add_folder()))
        self._action(file, "Add &model file\u2026", lambda: (self.show_models(), self.models_view.add_model_file()))
        file.addSeparator()
        self.export_menu_action = self._action(file, "&Export conversation\u2026", lambda: export_action.start(self),
                                               "Ctrl+Shift+E")
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        self.find_action = self._action(edit, "&Find conversation", self.focus_search, "Ctrl+F")
        self._action(edit, "Copy last &answer", self.copy_last_answer, "Ctrl+Shift+C")
        edit.addSeparator()
        self.settings_action = self._action(edit, "&Settings\u2026", self.open_settings, "Ctrl+,")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)

        conv = bar.addMenu("&Conversation")
        self._action(conv, "&Ask (focus the question box)", self.focus_input, "Ctrl+L")
        # Esc is handled by the chat view itself; a second Esc shortcut here would make both ambiguous.
        self.stop_action = self._action(conv, "&Stop answering (Esc)", self.controller.stop, "Ctrl+.")
        self.stop_action.setEnabled(False)
        self.regenerate_action = self._action(conv, "&Regenerate answer", self.controller.regenerate, "Ctrl+R")
        conv.addSeparator()
        self._action(conv, "Re&name\u2026", lambda: self._with_current(self.rename_conversation), "F2")
        self._action(conv, "&Delete", lambda: self._with_current(self.delete_conversation), "Ctrl+Shift+Delete")
        self._action(conv, "Delete &all history\u2026", lambda: history_actions.delete_all_history(self))

        view = bar.addMenu("&View")
        self._action(view, "&Conversation", self.show_chat, "Ctrl+1")
        self._action(view, "&Models", self.show_models, "Ctrl+2")
        self._action(view, "&Libraries", self.show_libraries, "Ctrl+3")
        view.addSeparator()
        self.sources_action = self._action(view, "&Sources pane", self.set_sources_visible, "Ctrl+Shift+S",
                                           checkable=True)
        visible = bool(self.services.settings.get("ui.show_sources"))
        self.sources_action.setChecked(visible)
        self._page_changed()

        helpm = bar.addMenu("&Help")
        self._action(helpm, "&Welcome", self.show_welcome)
        self._action(helpm, "&Guide", lambda: self.open_help("guide"), QKeySequence.StandardKey.HelpContents)
        self._action(helpm, "&About Strongroom", lambda: self.open_help("about")).setMenuRole(QAction.MenuRole.AboutRole)

    # -- pages --------------------------------------------------------------------------------
    def show_chat(self) -> None:
        self.pages.setCurrentWidget(self.chat)

    def show_models(self) -> None:
        self.pages.setCurrentWidget(self.models_view)

    def show_libraries(self) -> None:
        self.pages.setCurrentWidget(self.libraries_view)

    def show_welcome(self) -> None:
        self.pages.setCurrentWidget(self.welcome)

    def _welcome_done(self) -> None:
        mark_done()
        self.show_chat()
        self.focus_input()

    def _use_question(self, text: str) -> None:
        self.show_chat()
        self.chat.input.setPlainText(text)
        self.focus_input()

    def set_sources_visible(self, visible: bool) -> None:
        self.sources_action.setChecked(visible)
        self._page_changed()

    def _page_changed(self, _index: int = 0) -> None:
        """The Sources pane belongs to the conversation page only."""
        self.sources.setVisible(self.sources_action.isChecked() and self.pages.currentWidget() is self.chat)

    def ask_library(self, name: str) -> None:
        """"Start asking" after indexing: a new conversation in that matter, and nothing else."""
        self.controller.new_conversation([name])
        self.controller.last_libraries = [name]
        self.refresh_conversations()
        self.focus_input()

    def focus_input(self) -> None:
        self.show_chat()
        self.chat.focus_input()

    def focus_search(self) -> None:
        self.sidebar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.sidebar.search.selectAll()

    # -- conversations -------------------------------------------------------------------------
    def _conversations_listed(self) -> None:
        """The history is open and listed: show the latest conversation, unless the user began one.
        The page shown stays (the welcome page on a first run)."""
        if self.services.history_failed:  # never only in the status bar: said where it is seen
            error_dialog(self, "Conversation history", self.services.history_notice).open()
        elif self.services.history_notice:
            self.statusBar().showMessage(self.services.history_notice, 15000)
        if self.controller.conversation is None:
            first = self.keeper.list()
            # A new conversation is about the matter last asked about, unless the user chooses another.
            self.controller.last_libraries = next((list(c.libraries) for c in first if c.libraries), [])
            if first:
                self.controller.open(first[0].id)
                if self.pages.currentWidget() is self.welcome:  # a restored conversation is not covered
                    self.show_chat()
            else:
                self.controller.new_conversation()
        self.refresh_conversations()

    def _history_failed(self, what: str, exc: BaseException) -> None:
        """A history write or read failed: said once in plain words; the conversation stays on screen."""
        if self._history_error is not None and self._history_error.isVisible():
            self.statusBar().showMessage(f"{what} did not work either.", 8000)
            return
        reading = what.startswith(("Opening", "Reading"))
        self._history_error = show_error(
            self, exc, "Conversation history",
            f"{what} did not work." + ("" if reading else " What you see stays on screen, but may be missing from "
                                       "the history the next time you open Strongroom."))

    def summarize_document(self, path: str, library: str = ""):  # the summary is saved as a conversation
        from .services.whole_documents import WholeDocuments
        from .summary_dialog import SummaryDialog

        dialog = SummaryDialog(WholeDocuments(self.services), path, library or None, self, keeper=self.keeper)
        dialog.saved.connect(lambda _conversation: self.refresh_conversations())
        dialog.show()
        return dialog

    def refresh_conversations(self) -> None:
        current = self.controller.conversation.id if self.controller.conversation else None
        self.sidebar.set_conversations(self.keeper.list(), current)

    def new_conversation(self) -> None:
        self.controller.new_conversation()
        self.refresh_conversations()
        self.focus_input()

    def _open_conversation(self, conv_id: str) -> None:
        if self.controller.conversation and self.controller.conversation.id == conv_id:
            self.show_chat()  # from any page
            return
        try:
            self.controller.open(conv_id)
        except Exception as exc:  # noqa: BLE001
            show_error(self, exc, "Opening a conversation")
            return
        self.show_chat()

    def _with_current(self, fn) -> None:
        if self.controller.conversation:
            fn(self.controller.conversation.id)

    def rename_conversation(self, conv_id: str, title: str | None = None) -> None:
        conv = self.keeper.items.get(conv_id)
        if conv is None:
            return
        if title is None:
            title, ok = QInputDialog.getText(self, "Rename conversation", "Title:", text=conv.title)
            if not ok:
                return
        title = " ".join(title.split())
        if not title:
            return
        self.keeper.rename(conv, title)
        if self.controller.conversation is conv:
            self.chat.title.setText(title)
        self.refresh_conversations()

    def delete_conversation(self, conv_id: str, confirm: bool = True) -> None:
        if confirm:
            answer = QMessageBox.question(self, "Delete conversation",
                                          "Delete this conversation? This cannot be undone.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        if self.controller.busy and self.controller.conversation and self.controller.conversation.id == conv_id:
            self.controller.stop()
        conv = self.keeper.items.get(conv_id)
        if conv is None:
            return
        self.keeper.delete(conv)
        remaining = self.keeper.list()
        if self.controller.conversation and self.controller.conversation.id == conv_id:
            self.controller.conversation = None
            if remaining:
                self.controller.open(remaining[0].id)
            else:
                self.controller.new_conversation()
        self.refresh_conversations()

    def copy_last_answer(self) -> None:
        answers = [w for w in self.chat.widgets if w.message.role == "assistant"]
        if answers:
            answers[-1].copy_button.click()

    def open_citation(self, message_index: int, n: int) -> None:
        self.sources.set_sources(*answer_sources.focus(self.chat.widgets, message_index))
        self.set_sources_visible(True)
        if not self.sources.open_source(n):
            self.statusBar().showMessage(f"Source [{n}] is not available for this answer.", 6000)

    def _busy_changed(self, busy: bool) -> None:
        self.stop_action.setEnabled(busy)
        self.regenerate_action.setEnabled(not busy)

    # -- models ------------------------------------------------------------------------------------
    def _models_changed(self, models: list) -> None:
        self.models = models
        usable = self.services.default_model(models)
        self.welcome.set_models(models, usable)
        if usable is None:
            self.chat.set_placeholder(self.services.no_usable_model(models))
        if self.auto_load and usable is not None and self.services.loaded_model() is None and not self.loading_model:
            self.load_model(usable)

    def load_model(self, entry) -> None:
        """Loads a model the models view listed (a ModelEntry), off the UI thread."""
        info = entry.info
        if self.controller.busy:
            self.statusBar().showMessage("Wait for the answer to finish, or stop it, before changing the model.", 6000)
            return
        self.loading_model = True
        self.model_label.setText(f"Loading {info.name}\u2026")
        bridge = tasks.UiBridge(self)
        bridge.progress.connect(lambda f: self.model_label.setText(f"Loading {info.name}\u2026 {int(float(f) * 100)}%"))

        def load() -> bool:
            # Creating the engine imports llama.cpp: done here, off the UI thread, like the load itself.
            self.services.load_model(info, on_progress=bridge.emit_progress).result()
            return self.services.is_demo_model(info)

        def loaded(demo: bool) -> None:
            self.loading_model = False
            self.model_label.setText(f"Model: {info.name}")
            self.chat.demo_banner.set_demo(demo)  # its answers are unreliable: said while it is loaded
            self.models_view.set_loaded(entry.path)
            bridge.deleteLater()

        def failed(exc: BaseException) -> None:
            self.loading_model = False
            self.model_label.setText("No model loaded")
            bridge.deleteLater()
            show_error(self, exc, "Loading the model", f"{info.name} could not be loaded.")

        tasks.run_in_background(load, on_success=loaded, on_failure=failed)

    def unload_model(self) -> None:
        future = self.services.unload_model()
        if future is None:
            return

        def unloaded(_r) -> None:
            self.model_label.setText("No model loaded")
            self.chat.demo_banner.set_demo(False)
            self.models_view.set_loaded(None)

        tasks.run_in_background(future.result, on_success=unloaded, error_parent=self)

    # -- libraries -----------------------------------------------------------------------------------
    def _libraries_changed(self, names: list[str]) -> None:
        """Information barriers: a library just added joins no conversation, open or not; it becomes the
        matter a new conversation is about by default. A removed library leaves the open conversation."""
        known = getattr(self, "_known_libraries", None)
        added = [n for n in names if known is not None and n not in known]
        self._known_libraries = list(names)
        self.sidebar.set_libraries(names)
        self.welcome.set_libraries(names)
        if added:
            self.controller.last_libraries = added[-1:]
        conv = self.controller.conversation
        if conv is None:
            self.chat.show_libraries(names, [], choosing=True)
            return
        kept = [n for n in conv.libraries if n in names]
        if kept != conv.libraries:
            self.controller.set_libraries(kept)
        self.controller.show_libraries(conv, names)

    # -- settings ------------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        models = list(dict.fromkeys((m.id, m.name) for m in self.models))
        persistent = self.services.conversations.persistent
        dialog = SettingsDialog(self.services.settings, models, self,
                                passphrase_method=self.services.history_key_method if persistent else None)
        dialog.applied.connect(self._settings_applied)
        dialog.change_passphrase_requested.connect(lambda: history_actions.change_passphrase(self, dialog))
        dialog.delete_history_requested.connect(lambda: history_actions.delete_all_history(self))
        dialog.open()
        return dialog

    def open_help(self, page: str = "about"):
        from .help_dialogs import HelpDialog

        self.help_dialog = HelpDialog(self, page)
        self.help_dialog.open()
        return self.help_dialog

    def _settings_applied(self, keys: list[str]) -> None:
        if any(k.startswith(("model.", "endpoint.")) for k in keys):
            self.models_view.refresh()  # which models may load depends on these settings
            if self.services.loaded_model() is not None:
                self.statusBar().showMessage("Model settings apply the next time a model is loaded.", 8000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt naming
        self.controller.close()  # an answer being written stops, and what it wrote is saved
        self.keeper.close()  # the writes still queued finish before anyone closes the history
        self.libraries_view.stop_watching()
        try:
            self.services.settings.set("ui.show_sources", self.sources_action.isChecked())
            self.services.settings.save()
        except Exception:  # noqa: BLE001 - locked or read-only settings must not keep the window open
            pass
        super().closeEvent(event)


def fatal_dialog(message: str, details: str = "") -> None:
    """For start-up failures before the window exists."""
    error_dialog(None, "Strongroom cannot start", message, details).exec()

