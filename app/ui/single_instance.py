"""One window per user: a second launch asks the running one to come forward, then exits.

The running window listens on a QLocalServer whose name is derived from the data folder, so two
users (or two STRONGROOM_HOME folders) never meet. The socket is local only: a named pipe on
Windows, a user-owned Unix socket elsewhere.
"""
from __future__ import annotations

import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from .services import paths

MESSAGE = b"activate\n"
TIMEOUT_MS = 1000


def server_name() -> str:
    digest = hashlib.sha256(str(paths.data_dir().resolve()).encode()).hexdigest()[:16]
    return f"strongroom-{digest}"


def notify_running() -> bool:
    """True when another Strongroom answered (and was asked to show itself)."""
    socket = QLocalSocket()
    socket.connectToServer(server_name())
    if not socket.waitForConnected(TIMEOUT_MS):
        return False
    socket.write(MESSAGE)
    socket.waitForBytesWritten(TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; `activated` fires when one asks to come forward."""

    activated = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        name = server_name()
        if self.server.listen(name):
            return True
        # A crashed instance leaves its socket file behind; nobody answered, so it is stale.
        QLocalServer.removeServer(name)
        return self.server.listen(name)

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll()).startswith(MESSAGE.strip()):
            self.activated.emit()

    def close(self) -> None:
        self.server.close()
