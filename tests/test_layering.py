"""The core must stay Qt-free: it runs headless in the CLI, the bundle's smoke test and the workers."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import app.core

from tests.conftest import ROOT


def core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(app.core.__path__, "app.core."))


def test_core_imports_without_qt():
    modules = core_modules()
    assert "app.core.foundation.settings" in modules and "app.core.models.registry" in modules
    script = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError('Qt is blocked in this test: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "assert not any(k.startswith(('PySide6', 'shiboken6')) for k in sys.modules)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_make_lint_keeps_every_contract():
    result = subprocess.run(["make", "-s", "lint"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    for contract in ("Core layers", "do not know each other", "only through app.ui.services"):
        assert f"{contract}" in result.stdout, f"contract missing: {contract}"


def test_no_loose_modules_in_core_and_none_over_500_lines():
    core = ROOT / "app" / "core"
    assert sorted(p.name for p in core.glob("*.py")) == ["__init__.py"]
    assert len([p for p in core.iterdir() if (p / "__init__.py").exists()]) >= 5
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "app").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
