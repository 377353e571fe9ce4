"""The window's new-library flow with "On the firm's server", on the real view, the real embedding model
and qdrant-client's local mode (or a real server by STRONGROOM_TEST_QDRANT_URL); the viewer explains a
source whose shared root this computer does not map."""
from __future__ import annotations

import pytest

from app.ui.libraries_view import LibrariesView
from app.ui.services import Services
from app.ui.source_viewer import SourceViewer
from tests.helpers.qdrant_server import firm_server  # noqa: F401  (fixture)
from tests.ui.ui_thread_probe import UiThreadProbe

pytestmark = pytest.mark.slow


def _settings(home, text: str) -> None:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.toml").write_text(text, encoding="utf-8")


def test_the_server_box_makes_the_new_library_shared_and_indexes_it_off_the_ui_thread(qtbot, tmp_path, strongroom_home, firm_server):
    mount = tmp_path / "mnt" / "matters"
    folder = mount / firm_server.name("Leases").replace(" ", "-")
    folder.mkdir(parents=True)
    (folder / "harbour.txt").write_text("Termination of the harbour lease requires ninety days notice. " * 5)
    _settings(strongroom_home, f'[libraries]\nserver_url = "{firm_server.settings_url}"\n'
                               f'[libraries.roots]\nmatters = "{mount}"\n')
    view = LibrariesView(Services())
    qtbot.addWidget(view)
    view.show()
    assert view.server_box.isVisible()
    view.server_box.setChecked(True)
    finished = []
    view.sync_finished.connect(lambda name, report: finished.append(report))
    with UiThreadProbe() as probe:
        view.add_folder(folder)
        qtbot.waitUntil(lambda: bool(finished), timeout=120000)
    network = [c for c in probe.calls if any(part in c.split(" (called")[0] for part in
                                             ("qdrant_client", "/remote/", "/server_", "/shared_store", "/sync.py"))]
    assert network == []  # connecting, creating the library on the server and indexing: all on workers
    lib = view.services.library_manager().get(folder.name)
    assert lib.on_server and finished[0].chunks > 0 and not lib.shard_dir.exists()
    view.services.close()


def test_without_a_server_url_there_is_no_server_box(qtbot):
    view = LibrariesView(Services())
    qtbot.addWidget(view)
    view.show()
    assert not view.server_box.isVisible()


def test_a_source_on_a_root_not_mapped_here_says_which_root_to_map(qtbot, strongroom_home, tmp_path):
    _settings(strongroom_home, f'[libraries.roots]\narchive = "{tmp_path}"\n')
    viewer = SourceViewer()
    qtbot.addWidget(viewer)
    viewer.show_source("matters/leases/harbour.txt", page=1, excerpt="ninety days")
    assert "'matters'" in viewer.message.text() and "[libraries.roots]" in viewer.message.text()
    viewer.show_source(tmp_path / "gone.txt", page=1)
    assert "no longer there" in viewer.message.text()
