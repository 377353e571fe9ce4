"""The one way to run work off the UI thread.

`run_in_background(fn, ...)` runs a plain function on a thread pool; `run_generator(gen_fn, ...)`
runs a generator whose yields are progress (token streaming, indexing) and which stops at the next
yield once `.quit()` is called. A `SerialQueue` is one background thread of its own that runs its
jobs one at a time, in the order they were given (the history's writes: they never race and keep
their order). Callbacks always arrive on the UI thread through queued signals, so handlers may touch
widgets. A failure with no handler gets a plain-language dialog.
"""
from __future__ import annotations

import logging
import threading
import weakref
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot

from .errors import show_error
from .services import error_kind

log = logging.getLogger(__name__)

# Keeps running tasks alive until their last signal is delivered (Python would otherwise collect them).
_LIVE: set["Task"] = set()


# Qt sizes the pool to the CPU count; tasks here mostly wait on an owner thread (the engine, a shard,
# the history writer) or native code, so on a 2-core PC two library syncs would otherwise keep a
# question, a model load or a file listing waiting in the queue until one finishes.
MIN_POOL_THREADS = 8


def pool() -> QThreadPool:
    instance = QThreadPool.globalInstance()
    if instance.maxThreadCount() < MIN_POOL_THREADS:
        instance.setMaxThreadCount(MIN_POOL_THREADS)
    return instance


class Task(QObject):
    """Handle on one background job, living on the UI thread.

    The worker emits the private `_*` signals; they reach this object's slots queued, on the UI thread,
    which re-emit the public signals. (A plain Python callable connected straight to a signal emitted on
    another thread could run on that thread; a slot of a UI-thread QObject cannot.)
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    _progress = Signal(object)
    _success = Signal(object)
    _failure = Signal(object)
    _finish = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._quit = threading.Event()
        self._done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._progress.connect(self._relay_progress)
        self._success.connect(self._relay_success)
        self._failure.connect(self._relay_failure)
        self._finish.connect(self._relay_finish)

    @Slot(object)
    def _relay_progress(self, value: Any) -> None:
        self.progressed.emit(value)

    @Slot(object)
    def _relay_success(self, value: Any) -> None:
        self.succeeded.emit(value)

    @Slot(object)
    def _relay_failure(self, exc: Any) -> None:
        self.failed.emit(exc)

    @Slot()
    def _relay_finish(self) -> None:
        self.finished.emit()

    # Worker-side API --------------------------------------------------------
    def report(self, value: Any) -> None:
        """Sends progress to the UI thread (safe from any thread)."""
        _deliver(self._progress, value)

    # UI-side API ------------------------------------------------------------
    def quit(self) -> None:
        """Asks the work to stop at its next checkpoint (a generator's next yield)."""
        self._quit.set()

    @property
    def quit_requested(self) -> bool:
        return self._quit.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """The quit flag as an Event, for core functions that take `cancel=`."""
        return self._quit

    def is_done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


class _Runner(QRunnable):
    def __init__(self, task: Task, body: Callable[[], Any]):
        super().__init__()
        self.setAutoDelete(True)
        self.task = task
        self.body = body

    def run(self) -> None:  # on a pool thread
        task = self.task
        try:
            task.result = self.body()
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the UI as a dialog
            log.error("background task failed: %s", error_kind(exc))  # its message may name a file
            task.error = exc
            _deliver(task._failure, exc)
        else:
            _deliver(task._success, task.result)
        finally:
            task._done.set()
            _deliver(task._finish)


def _deliver(signal, *args) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:
        pass  # the application is shutting down and the Task is gone: nobody is left to tell


def _connect(task: Task, on_success, on_failure, on_progress, on_finished, error_parent, error_title) -> None:
    if on_progress:
        task.progressed.connect(on_progress)
    if on_success:
        task.succeeded.connect(on_success)
    if on_failure:
        task.failed.connect(on_failure)
    else:
        task.failed.connect(lambda exc: show_error(error_parent, exc, error_title))
    if on_finished:
        task.finished.connect(on_finished)
    _LIVE.add(task)
    task.finished.connect(lambda: _LIVE.discard(task))


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    error_parent=None,
    error_title: str = "Strongroom",
    pass_task: bool = False,
    **kwargs: Any,
) -> Task:
    """Runs fn(*args, **kwargs) on the pool. With pass_task=True, fn also gets `task=` to report progress
    (`task.report(x)`) and to check `task.quit_requested` / pass `task.cancel_event` to the core."""
    task = Task()
    _connect(task, on_success, on_failure, on_progress, on_finished, error_parent, error_title)
    if pass_task:
        kwargs["task"] = task
    pool().start(_Runner(task, lambda: fn(*args, **kwargs)))
    return task


def run_generator(
    gen_fn: Callable[..., Any],
    *args: Any,
    on_yield: Callable[[Any], None] | None = None,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    error_parent=None,
    error_title: str = "Strongroom",
    **kwargs: Any,
) -> Task:
    """Runs a generator: each yielded value goes to on_yield; its return value to on_success.
    After task.quit() the generator is closed at its next yield (GeneratorExit inside it)."""
    task = Task()
    _connect(task, on_success, on_failure, on_yield, on_finished, error_parent, error_title)

    def body() -> Any:
        gen = gen_fn(*args, **kwargs)
        try:
            while True:
                if task.quit_requested:
                    gen.close()
                    return None
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                _deliver(task._progress, value)
        finally:
            gen.close()

    pool().start(_Runner(task, body))
    return task


class UiBridge(QObject):
    """Turns core callbacks (called on core threads) into Qt signals delivered on the UI thread.

    Create it on the UI thread, connect its public signals, and hand its `emit_*` methods to the core
    as callbacks: `engine.chat(..., on_token=bridge.emit_token)`.
    """

    token = Signal(str)
    progress = Signal(object)
    status = Signal(str)
    event = Signal(object)

    _token = Signal(str)
    _progress = Signal(object)
    _status = Signal(str)
    _event = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._token.connect(self._relay_token)
        self._progress.connect(self._relay_progress)
        self._status.connect(self._relay_status)
        self._event.connect(self._relay_event)

    @Slot(str)
    def _relay_token(self, text: str) -> None:
        self.token.emit(text)

    @Slot(object)
    def _relay_progress(self, value: Any) -> None:
        self.progress.emit(value)

    @Slot(str)
    def _relay_status(self, text: str) -> None:
        self.status.emit(text)

    @Slot(object)
    def _relay_event(self, value: Any) -> None:
        self.event.emit(value)

    # Callable from any thread.
    def emit_token(self, text: str) -> None:
        self._token.emit(text)

    def emit_progress(self, *values: Any) -> None:
        self._progress.emit(values[0] if len(values) == 1 else values)

    def emit_status(self, text: str) -> None:
        self._status.emit(text)

    def emit_event(self, value: Any) -> None:
        self._event.emit(value)


class _UiCalls(QObject):
    """Runs the functions a worker hands it on the UI thread (it lives there)."""

    _call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._call.connect(self._run)

    @Slot(object)
    def _run(self, job: Callable[[], None]) -> None:
        job()


def on_ui_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn, wrapped so that a worker calling it has it run on the UI thread and waits for its result:
    for a question the core asks the user in the middle of its work (a passphrase dialog). Wrap on the
    UI thread; called on the UI thread, the wrapper calls fn directly."""
    relay = _UiCalls()

    def call(*args: Any, **kwargs: Any) -> Any:
        if QThread.currentThread() is relay.thread():
            return fn(*args, **kwargs)
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def job() -> None:
            try:
                outcome["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - raised again on the worker
                outcome["error"] = exc
            finally:
                done.set()

        relay._call.emit(job)
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    return call


class SerialQueue:
    """One background thread that runs its jobs one at a time, in the order they were submitted.

    For work that must never race and must keep its order, such as the history's writes: a message
    is saved after the conversation it belongs to was created, and a read made after a write sees it.
    Make it and submit to it from the UI thread; callbacks arrive there as with run_in_background.
    (A pool of its own with one thread: jobs of equal priority start in the order they were queued.)
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._pool = QThreadPool()
        self._pool.setObjectName(name)
        self._pool.setMaxThreadCount(1)
        self._closed = False
        _QUEUES.add(self)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        error_parent=None,
        error_title: str = "Strongroom",
        **kwargs: Any,
    ) -> Task:
        """Queues fn(*args, **kwargs) behind every job submitted before it."""
        if self._closed:
            raise RuntimeError(f"the {self.name} queue is closed")
        task = Task()
        _connect(task, on_success, on_failure, None, on_finished, error_parent, error_title)
        self._pool.start(_Runner(task, lambda: fn(*args, **kwargs)))
        return task

    def wait(self, timeout: float | None = None) -> bool:
        """Waits until every job submitted so far has run."""
        return self._pool.waitForDone(-1 if timeout is None else int(timeout * 1000))

    def close(self, timeout: float | None = None) -> bool:
        """Runs what is queued; nothing more may be submitted."""
        self._closed = True
        return self.wait(timeout)


_QUEUES: "weakref.WeakSet[SerialQueue]" = weakref.WeakSet()


def wait_all(timeout_ms: int = 30000) -> bool:
    """Waits for every background task and every serial queue (at exit, after the event loop has stopped)."""
    queues_done = all(q.wait(timeout_ms / 1000) for q in list(_QUEUES))
    return pool().waitForDone(timeout_ms) and queues_done
