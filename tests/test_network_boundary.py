"""Every line that touches the network is in app/core/remote: no other module imports a network
library. Two named exceptions, each for a reason that opens no connection."""
import ast
from pathlib import Path

from tests.conftest import ROOT

NETWORK = {"httpx", "truststore", "socket", "ssl", "http.client", "urllib.request", "requests", "urllib3", "aiohttp"}
REMOTE = ROOT / "app" / "core" / "remote"
EXCEPTIONS = {
    "app/core/privacy/guard.py": {"socket"},  # the guard watches sockets to refuse them
    "app/core/index/server_lease.py": {"socket"},  # socket.gethostname(): names this machine in a lease
}


def network_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else []
        for name in names:
            for candidate in NETWORK:
                if name == candidate or name.startswith(candidate + "."):
                    found.add(candidate)
    return found


def test_only_app_core_remote_imports_network_libraries():
    offenders = {}
    checked = 0
    for path in sorted((ROOT / "app").rglob("*.py")):
        if REMOTE in path.parents:
            continue
        checked += 1
        rel = path.relative_to(ROOT).as_posix()
        found = network_imports(path) - EXCEPTIONS.get(rel, set())
        if found:
            offenders[rel] = sorted(found)
    assert checked > 50
    assert offenders == {}, f"network libraries imported outside app/core/remote: {offenders}"


def test_the_check_sees_an_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom http.client import HTTPConnection\nimport ssl as tls\n", encoding="utf-8")
    assert network_imports(sample) == {"http.client", "ssl"}


def test_remote_does_hold_the_network_code():
    assert "httpx" in network_imports(REMOTE / "client.py")
    assert "truststore" in network_imports(REMOTE / "tls.py")
