"""Cycles are collected on the UI thread, never on the worker thread that happened to allocate."""
import gc
import threading

from app.ui import ui_thread_gc


class Cycle:
    """Refers to itself, so only the cycle collector frees it; records the thread that did."""

    def __init__(self, seen: list):
        self.me = self
        self.seen = seen

    def __del__(self):
        self.seen.append(threading.current_thread() is threading.main_thread())


def _garbage_then_worker_allocates(seen: list) -> list:
    gc.collect()  # counts start from zero, so no collection happens while the cycles are made
    for _ in range(50):
        Cycle(seen)
    keep = []
    worker = threading.Thread(target=lambda: keep.extend([] for _ in range(20000)))
    worker.start()
    worker.join()
    return keep  # alive, so the allocation count stays over the collector's threshold


def test_worker_allocations_never_collect_and_the_ui_thread_does(qapp, qtbot):
    collector = ui_thread_gc.install(qapp)
    assert not gc.isenabled()
    seen: list[bool] = []
    kept = _garbage_then_worker_allocates(seen)
    assert seen == [], "the worker thread ran the collector"
    qtbot.waitUntil(lambda: len(seen) == 50, timeout=3000)  # the timer's collection, on this thread
    assert all(seen)
    del kept
    assert ui_thread_gc.install(qapp) is collector  # one per application


def test_without_it_the_worker_collects(qapp):
    """The hazard is real: with the interpreter's own collection, the worker frees the cycles."""
    ui_thread_gc.install(qapp).stop()
    assert gc.isenabled()
    seen: list[bool] = []
    _garbage_then_worker_allocates(seen)
    assert seen and not any(seen)


def test_frozen_start_up_objects_stay_out_of_scans_and_new_garbage_is_still_collected(qapp, qtbot):
    collector = ui_thread_gc.install(qapp)
    collector.freeze()
    assert gc.get_freeze_count() > 10000  # the modules, Qt and the test session itself
    seen: list[bool] = []
    kept = _garbage_then_worker_allocates(seen)
    qtbot.waitUntil(lambda: len(seen) == 50, timeout=3000)
    assert all(seen)
    del kept
    collector.stop()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_the_ui_thread_probe_counts_native_frees_by_the_collector_not_closed_leftovers(qapp):
    from llama_cpp import _internals

    from tests.ui.ui_thread_probe import UiThreadProbe

    closed, still_open = _internals.LlamaSampler(), _internals.LlamaSampler()
    closed.close()  # as the engine closes its sampler after each answer, on its own thread
    # Cycles keep both alive until the collector runs (an exception's traceback holding the engine's
    # frame does this in the app); an open LlamaSampler is a cycle by itself (its ExitStack closures).
    cycle = [closed]
    cycle.append(cycle)
    del closed, cycle
    collector = ui_thread_gc.install(qapp)
    with UiThreadProbe() as probe:
        collector.stop()
    assert probe.calls == []
    with UiThreadProbe() as probe:
        del still_open
        ui_thread_gc.install(qapp).stop()
    assert any("free_sampler" in call for call in probe.calls), probe.calls
