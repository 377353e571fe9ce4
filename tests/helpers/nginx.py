"""nginx in front of a model server, as a firm puts it: TLS with a certificate from the firm's own CA,
HTTP basic auth, and the upstream's API key added by nginx itself. Started by the test in the
foreground with every path (config, pid, logs, temp) in the test's folder; a test tool only, never shipped."""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers.certs import TestPki, make_pki
from tests.helpers.llama_server import free_port, stop_process

USER, PASSWORD = "alice", "correct-horse-7"


def nginx_or_skip() -> str:
    """The nginx binary; a skip with the reason when it is missing, a failure under CI (which installs it)."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)),
                                          None)
    if found is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("nginx is not installed; .ci/run installs it before make test")
        pytest.skip("nginx is not installed (apt-get install nginx); CI installs it and runs these tests")
    return found


def htpasswd_line(user: str, password: str) -> str:
    """user:{SSHA}base64(sha1(password + salt) + salt), a scheme nginx's auth_basic reads."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return f"{user}:{{SSHA}}{base64.b64encode(digest + salt).decode()}\n"


@dataclass
class Nginx:
    port: int
    pki: TestPki
    process: subprocess.Popen = field(repr=False)
    folder: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        stop_process(self.process)


CONFIG = """{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/client_body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{
      auth_basic "model server";
      auth_basic_user_file {d}/htpasswd;
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Authorization "Bearer {upstream_key}";
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 600s;
    }}
  }}
}}
"""


def start_nginx(binary: str, folder: Path, upstream_port: int, upstream_key: str) -> Nginx:
    folder.mkdir(parents=True, exist_ok=True)
    pki = make_pki(folder / "pki")
    (folder / "htpasswd").write_text(htpasswd_line(USER, PASSWORD), encoding="utf-8")
    port = free_port()
    # As root (CI), workers would run as "nobody" and could not read the test's private folder.
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(CONFIG.format(user=user, d=folder, port=port, cert=pki.cert_file, key=pki.key_file,
                                  upstream=upstream_port, upstream_key=upstream_key), encoding="utf-8")
    log = open(folder / "stderr.log", "wb")
    process = subprocess.Popen([binary, "-e", str(folder / "error.log"), "-p", str(folder), "-c", str(conf)],
                               stdout=log, stderr=subprocess.STDOUT)
    server = Nginx(port, pki, process, folder)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited: " + (folder / "stderr.log").read_text(errors="replace")
                               + (folder / "error.log").read_text(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("nginx did not start in 30 s")
