"""Linux start-up: the libraries Qt's xcb plugin lacks are named by their Debian package, from real ldd
output (a real library built here whose dependency is gone, and PySide6's own plugin) and never from
odd or hostile ldd output."""
import os
import shutil
import subprocess
import sys

import pytest

from app.ui import xcb_check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None
                                or shutil.which("gcc") is None, reason="ldd and gcc on Linux only")


def _shared(folder, name, source, *link):
    c = folder / (name + ".c")
    c.write_text(source)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(folder / name), f"-Wl,-soname,{name}", str(c), *link],
                   check=True, capture_output=True)
    return folder / name


# A soname no system has, mapped like the real ones: the test never depends on what is installed here.
FAKE_SONAME, FAKE_PACKAGE = "libstrongroom-xcb-test.so.4", "strongroom-xcb-test4"


def _plugin_with_gone_dependencies(folder):
    _shared(folder, FAKE_SONAME, "int icccm(void) { return 4; }")
    _shared(folder, "libstrongroom-odd.so.1", "int odd(void) { return 1; }")
    plugin = _shared(folder, "libqxcb-like.so", "int icccm(void); int odd(void); int f(void) { return icccm() + odd(); }",
                     f"-L{folder}", f"-Wl,-rpath,{folder}", f"-l:{FAKE_SONAME}", "-l:libstrongroom-odd.so.1")
    before = xcb_check.run_ldd(plugin)
    assert f"{FAKE_SONAME} => {folder}" in before and xcb_check.missing_libraries(before) == []
    (folder / FAKE_SONAME).unlink()
    (folder / "libstrongroom-odd.so.1").unlink()
    return plugin


def test_a_real_library_whose_dependencies_are_gone(tmp_path, monkeypatch):
    monkeypatch.setitem(xcb_check.PACKAGES, FAKE_SONAME, FAKE_PACKAGE)
    output = xcb_check.run_ldd(_plugin_with_gone_dependencies(tmp_path))
    assert f"{FAKE_SONAME} => not found" in output  # real ldd words
    missing = xcb_check.missing_libraries(output)
    assert missing == [FAKE_SONAME, "libstrongroom-odd.so.1"]
    assert xcb_check.packages_for(missing) == [FAKE_PACKAGE, "libstrongroom-odd.so.1"]
    text = xcb_check.message(missing)
    assert f"sudo apt-get install {FAKE_PACKAGE}" in text and "libxcb-cursor0" not in text
    assert "The package holding libstrongroom-odd.so.1 depends on your Linux distribution." in text


def test_pyside6s_own_xcb_plugin():
    plugin = xcb_check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    output = xcb_check.run_ldd(plugin)
    assert "libxcb.so.1" in output  # ldd lists the plugin's dependencies, transitively
    expected = [line.split("=>")[0].strip() for line in output.splitlines() if line.strip().endswith("=> not found")]
    assert xcb_check.missing_libraries(output) == list(dict.fromkeys(expected))
    for name in xcb_check.missing_libraries(output):
        if name.startswith("libxcb-icccm"):
            assert "libxcb-icccm4" in xcb_check.packages_for([name])


HOSTILE = "\n".join([
    "\tlinux-vdso.so.1 (0x00007ffd)",
    "\tlibxcb-icccm.so.4 => not found\r",
    "\tlibxcb-icccm.so.4 => not found",
    "\t$(rm -rf ~).so => not found",
    "\tlib`reboot`.so.1 => not found",
    "\t\x1b[31mlibxcb-keysyms.so.1\x1b[0m => not found",
    "\t" + "a" * 5000 + ".so => not found",
    "\tlibxcb-cursor.so.0 => /lib/libxcb-cursor.so.0 (0x1) not found",
    "\tnot found",
    "\t => not found",
    "ldd: exited with unknown exit code (139)",
    "\tstatically linked",
    "\x00\xff garbage \x00 => not found",
    "\tlibxcb-image.so.0 => not found trailing words",
    "\tlibxkbcommon-x11.so.0    =>    not found   ",
])


def test_odd_and_hostile_ldd_output_names_only_real_so_names():
    missing = xcb_check.missing_libraries(HOSTILE)
    assert missing == ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]
    assert xcb_check.packages_for(missing) == ["libxcb-icccm4", "libxkbcommon-x11-0"]
    assert xcb_check.missing_libraries("") == []
    assert xcb_check.missing_libraries("\tlibxcb-icccm.so.4 => not found\n" * 100000) == ["libxcb-icccm.so.4"]
    assert xcb_check.missing_libraries("x\n" * 5000 + "\tlibxcb-icccm.so.4 => not found") == []  # beyond ldd's size


def test_which_sessions_load_the_xcb_plugin():
    assert xcb_check.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert xcb_check.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not xcb_check.uses_xcb({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "linux")
    assert not xcb_check.uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
                                  "linux")
    assert not xcb_check.uses_xcb({"DISPLAY": ":0"}, "darwin")
    assert not xcb_check.uses_xcb({}, "linux")


LAUNCH = """
import runpy, sys
from pathlib import Path
from app.ui import xcb_check
xcb_check.PACKAGES[sys.argv[2]] = sys.argv[3]
plugin = Path(sys.argv[1])
xcb_check.xcb_plugin = lambda: plugin  # a plugin whose dependency is really gone
sys.argv = ["strongroom"]
runpy.run_module("app", run_name="__main__")
"""


def test_the_launcher_names_the_package_before_qt_starts(tmp_path):
    from tests.conftest import ROOT

    plugin = _plugin_with_gone_dependencies(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(DISPLAY=":97", STRONGROOM_HOME=str(tmp_path / "home"), PATH="/usr/bin:/bin")
    done = subprocess.run([sys.executable, "-c", LAUNCH, str(plugin), FAKE_SONAME, FAKE_PACKAGE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert FAKE_PACKAGE in done.stderr and "sudo apt-get install" in done.stderr
    assert "libxcb-cursor0" not in done.stderr  # Qt's wrong guess is not ours
