"""Adding a model file: a real GGUF is copied whole; wrong, damaged or cancelled copies leave nothing."""
import threading

import pytest

from app.core.foundation import paths
from app.core.models.model_import import ImportRefused, import_model_file
from app.core.models.registry import Registry


def test_real_gguf_is_copied_with_progress_and_found(demo_gguf):
    seen = []
    dest = import_model_file(demo_gguf, progress=lambda d, t: seen.append((d, t)))
    assert dest.parent == paths.user_models_dir()
    assert dest.stat().st_size == demo_gguf.stat().st_size
    assert seen[-1] == (dest.stat().st_size, dest.stat().st_size)
    assert any(m.path == dest and m.origin == "user" for m in Registry().scan())


def test_hostile_files_are_refused_plainly(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 this is a zip")
    with pytest.raises(ImportRefused, match="does not start like a GGUF"):
        import_model_file(fake)
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ImportRefused, match="not a GGUF model file"):
        import_model_file(other)
    assert fake.read_bytes().startswith(b"PK")  # the source is untouched
    assert list(paths.user_models_dir().iterdir()) == []


def test_cancel_leaves_no_partial_file(demo_gguf):
    cancel = threading.Event()

    def progress(done, total):
        cancel.set()  # cancel after the first block

    with pytest.raises(InterruptedError):
        import_model_file(demo_gguf, progress=progress, cancel=cancel)
    assert list(paths.user_models_dir().iterdir()) == []


def test_name_clash_with_different_file_is_refused(tmp_path, demo_gguf):
    clash = paths.user_models_dir() / demo_gguf.name
    clash.write_bytes(b"GGUF" + b"\0" * 10)
    with pytest.raises(ImportRefused, match="already in"):
        import_model_file(demo_gguf)
    assert clash.stat().st_size == 14
