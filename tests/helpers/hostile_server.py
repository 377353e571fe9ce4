"""A model server that misbehaves on purpose, on loopback: each test sets what a path answers (garbage,
a wrong shape, too much, nothing at all, a stream cut midway) and checks the client says so plainly."""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "HostileServer"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _route(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = json.loads(self.rfile.read(length) or b"null") if length else None
        self.server.seen.append((self.command, self.path, dict(self.headers), self.body))
        route = self.server.routes.get((self.command, self.path.split("?")[0]))
        if route is None:
            self.reply(404, {"error": {"message": "not found"}})
        else:
            route(self)

    do_GET = do_POST = _route

    # -- answers the routes use ------------------------------------------------------
    def reply(self, status: int, doc, content_type: str = "application/json", headers: dict | None = None) -> None:
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def start_stream(self, content_type: str = "text/event-stream") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def event(self, data) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        self.wfile.write(f"data: {text}\n\n".encode())
        self.wfile.flush()

    def cut(self) -> None:
        """Drops the connection, as a crashed server or a broken network does."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)


def piece(text: str, finish: str | None = None) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}


def models(*names: str) -> Route:
    return lambda h: h.reply(200, {"object": "list", "data": [{"id": n, "object": "model"} for n in names]})


def silent(seconds: float) -> Route:
    return lambda h: time.sleep(seconds)


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[tuple[str, str], Route] = {}
        self.seen: list = []
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}/v1"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
